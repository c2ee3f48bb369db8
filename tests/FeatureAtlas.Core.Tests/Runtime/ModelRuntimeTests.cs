using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Runtime;

/// <summary>
/// The process's one runtime: a model loads once however many callers ask at once, the least recently used model
/// is unloaded past the cap, unknown models are named, and folded SAEs are in dashboard units.
/// </summary>
public sealed class ModelRuntimeTests : IDisposable
{
    private const string Hook = "blocks.1.hook_resid_pre";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TemporaryDirectory _temp = new();
    private readonly Catalog _catalog;

    public ModelRuntimeTests()
    {
        var config = new Gpt2Config { Layers = 2, DModel = 16, Heads = 2, Positions = 32, Vocab = 50257, DMlp = 32 };
        var modelDir = _temp.Combine("tiny");
        Gpt2Initializer.Write(modelDir, config, seed: 3);
        var saeDir = _temp.Combine("res1");
        SaeInitializer.Create(config, "tiny", Hook, 24, SaeArchitecture.Standard, seed: 4).Save(saeDir);
        _catalog = new Catalog(modelDir, saeDir, config);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task RunAsync_ManyCallersAtOnce_LoadTheModelOnceAndShareIt()
    {
        var runtime = new ModelRuntime(_catalog);

        var seen = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            runtime.RunAsync("m1", $"client{i % 3}", (m, _) => m, CancellationToken.None))).WaitAsync(Timeout);

        Assert.Equal(1, _catalog.ModelReads("m1"));
        Assert.All(seen, m => Assert.Same(seen[0], m));
        Assert.Equal(new WorkQueueStats(0, false, 8, 0, 0), runtime.Stats("m1"));
    }

    [Fact]
    public async Task GetAsync_MoreModelsThanTheCap_UnloadsTheLeastRecentlyUsed()
    {
        var runtime = new ModelRuntime(_catalog, new ModelRuntimeOptions { MaxLoadedModels = 2 });

        var first = await runtime.GetAsync("m1", CancellationToken.None);
        await runtime.GetAsync("m2", CancellationToken.None);
        Assert.Same(first, await runtime.GetAsync("m1", CancellationToken.None));
        await runtime.GetAsync("m3", CancellationToken.None);

        Assert.Equal(["m3", "m1"], runtime.Loaded);
        await runtime.GetAsync("m2", CancellationToken.None);
        Assert.Equal(2, _catalog.ModelReads("m2"));   // unloaded, so loaded again
        Assert.Equal(1, _catalog.ModelReads("m1"));
    }

    [Fact]
    public async Task GetAsync_UnknownModel_KeyNotFoundNamingIt()
    {
        var runtime = new ModelRuntime(_catalog);

        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => runtime.GetAsync("nope", CancellationToken.None));

        Assert.Equal("Model 'nope' is not in the atlas.", error.Message);
    }

    [Fact]
    public async Task GetAsync_ModelFolderMissing_UnavailableNamingTheFolder()
    {
        _catalog.MissingFolder = "/nonexistent/gpt2";
        var runtime = new ModelRuntime(_catalog);

        var error = await Assert.ThrowsAsync<ModelUnavailableException>(() => runtime.GetAsync("m1", CancellationToken.None));

        Assert.Contains("'/nonexistent/gpt2'", error.Message);
    }

    [Fact]
    public async Task FoldedSae_StandardSae_ActivationsAreTheSessionsTimesDecoderNorms()
    {
        var runtime = new ModelRuntime(_catalog);
        int[] tokens = [50256, 464, 6183, 318];

        var (raw, folded, norms) = await runtime.RunAsync("m1", "a", (m, _) =>
        {
            var x = m.Session.Run(tokens, logits: false).Cache[Hook].Data;
            var sae = m.Session.Saes[0];
            return (sae.Encode(x, tokens.Length), m.FoldedSae("stored-res1").Encode(x, tokens.Length), sae.DecoderNorms.ToArray());
        }, CancellationToken.None);

        Assert.Equal("res1", (await runtime.GetAsync("m1", CancellationToken.None)).SessionName("stored-res1"));
        for (var i = 0; i < raw.Length; i++) Assert.Equal(raw[i] * norms[i % norms.Length], folded[i], 1e-4f);
        Assert.Contains(folded, v => v > 0);
    }

    /// <summary>Three model names over one tiny model folder, each with the SAE stored as "stored-res1".</summary>
    private sealed class Catalog(string modelDir, string saeDir, Gpt2Config config) : IModelCatalog
    {
        private readonly Dictionary<string, int> _reads = new();

        public string? MissingFolder { get; set; }

        public int ModelReads(string name)
        {
            lock (_reads) return _reads.GetValueOrDefault(name);
        }

        public Task<ModelRecord?> GetModelAsync(string name, CancellationToken cancellationToken)
        {
            lock (_reads) _reads[name] = _reads.GetValueOrDefault(name) + 1;
            return Task.FromResult<ModelRecord?>(name is "m1" or "m2" or "m3"
                ? new ModelRecord(name, MissingFolder ?? modelDir, "{}", config.Layers, config.DModel, config.Vocab)
                : null);
        }

        public Task<IReadOnlyList<SaeRecord>> ListSaesAsync(string model, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SaeRecord>>([new SaeRecord(model, "stored-res1", saeDir, Hook, 1, config.DModel, 24, "standard", "{}")]);

        public Task<float[]?> GetFracNonzeroAsync(string model, string sae, CancellationToken cancellationToken) => Task.FromResult<float[]?>(null);
    }
}
