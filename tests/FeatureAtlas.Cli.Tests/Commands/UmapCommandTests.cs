using FeatureAtlas.Cli.Commands;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary><c>atlas umap</c> with <c>--sae</c> given twice or more: one joint map under its name; one SAE alone or SAEs of different widths refused.</summary>
public sealed class UmapCommandTests : IDisposable
{
    private const string Model = "model";
    private const string Hook = "blocks.1.hook_resid_pre";
    private static readonly Gpt2Config Config = new() { Layers = 2, DModel = 64, Heads = 4, Positions = 32, Vocab = 100, DMlp = 256 };
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly string _root = Directory.CreateTempSubdirectory("atlas-umap-command-").FullName;

    [Fact]
    public async Task Umap_SaeTwiceOrMore_StoresOneJointMapUnderItsName()
    {
        var store = await StoreAsync("cli", ("a", RandomSae("a", 80, 1)), ("b", RandomSae("b", 60, 2)),
            ("narrow", RandomSae("narrow", 50, 3, Config with { DModel = 32, Heads = 2 })));
        string[] common = ["--model", Model, "--epochs", "30", "--db", Path.Combine(_root, "cli.db"), "--checkpoint-dir", Path.Combine(_root, "cli-checkpoints")];

        Assert.Equal(ExitCodes.Success, AtlasCli.Run(["umap", "--sae", "a", "--sae", "b", "--name", "pair", .. common]));
        Assert.Equal(ExitCodes.Usage, AtlasCli.Run(["umap", "--sae", "a", "--name", "alone", .. common]));
        Assert.Equal(ExitCodes.BadInput, AtlasCli.Run(["umap", "--sae", "a", "--sae", "narrow", .. common]));

        var map = await store.Umaps.GetJointUmapAsync(Model, "pair", None);
        Assert.Equal(["a", "b"], map!.Saes);
        Assert.Equal(140, map.Indices.Length);
        Assert.Equal(["pair"], (await store.Umaps.ListJointUmapsAsync(Model, None)).Select(m => m.Name));
    }

    /// <summary>A random SAE (unit W_dec rows) saved under the test folder.</summary>
    private string RandomSae(string name, int dSae, ulong seed, Gpt2Config? config = null)
    {
        var directory = Path.Combine(_root, name);
        SaeInitializer.Create(config ?? Config, Model, Hook, dSae, SaeArchitecture.Standard, seed).Save(directory);
        return directory;
    }

    private async Task<AtlasStores> StoreAsync(string name, params (string Sae, string Directory)[] saes)
    {
        var store = await AtlasDatabase.OpenAsync(Path.Combine(_root, $"{name}.db"), None);
        await store.Models.UpsertModelAsync(new ModelRecord(Model, null, "{}", 2, 64, 100), None);
        foreach (var (sae, directory) in saes)
        {
            var weights = SparseAutoencoder.Load(directory);
            await store.Models.UpsertSaeAsync(new SaeRecord(Model, sae, directory, Hook, 1, weights.DIn, weights.DSae, "standard", "{}"), None);
        }
        return store;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
