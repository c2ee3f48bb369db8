using System.Text.Json;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Jobs;

namespace FeatureAtlas.TestSupport;

/// <summary>A small random GPT-2 (2 layers, d_model 64), a random SAE on blocks.1.hook_resid_pre, and a
/// pre-tokenized corpus of 400 windows of 16 tokens (BOS first), in a temporary folder.</summary>
public sealed class DashboardJobFixture : IDisposable
{
    public DashboardJobFixture()
    {
        Root = Directory.CreateTempSubdirectory("atlas-jobs-").FullName;
        var config = new Gpt2Config { Layers = 2, DModel = 64, Heads = 4, Positions = 32, Vocab = 50257, DMlp = 256 };
        Gpt2Initializer.Write(ModelDirectory, config, seed: 3);
        SaeInitializer.Create(config, "model", "blocks.1.hook_resid_pre", 96, SaeArchitecture.Standard, seed: 4).Save(SaeDirectory);
        var random = new Random(7);
        Windows = Enumerable.Range(0, 2000).Select(_ => new[] { 50256 }.Concat(Enumerable.Range(0, 15).Select(_ => random.Next(50000))).ToArray()).ToArray();
        File.WriteAllLines(CorpusFile, Windows.Select(w => $"{{\"token_ids\": [{string.Join(", ", w)}]}}"));
    }

    public string Root { get; }

    public string ModelDirectory => Path.Combine(Root, "model");

    public string SaeDirectory => Path.Combine(Root, "sae-l1");

    public string CorpusFile => Path.Combine(Root, "windows.jsonl");

    public int[][] Windows { get; }

    public string NewPath(string name) => Path.Combine(Root, $"{name}-{Guid.NewGuid():N}");

    /// <summary>What an uninterrupted dashboard run over this fixture stores, as <see cref="DumpAsync"/> writes it.</summary>
    public async Task<string> UninterruptedDashboardsAsync()
    {
        var (store, options) = await NewDashboardRunAsync();
        await DashboardJob.RunAsync(options, store.Corpora, store.Models, store.Dashboards, null, CancellationToken.None);
        return await DumpAsync(store);
    }

    /// <summary>A fresh SQLite store holding the corpus, and the options of a dashboard run over it with its own checkpoints.</summary>
    public async Task<(AtlasStores Store, DashboardJobOptions Options)> NewDashboardRunAsync()
    {
        var store = await AtlasDatabase.OpenAsync(NewPath("atlas") + ".db", CancellationToken.None);
        await store.Corpora.AddCorpusAsync("windows", "test", 16, Windows, replace: false, CancellationToken.None);
        var options = new DashboardJobOptions
        {
            ModelDirectory = ModelDirectory,
            ModelName = "model",
            SaeDirectories = [SaeDirectory],
            Corpus = "windows",
            Tokens = 32000,
            BatchWindows = 2,
            CheckpointDirectory = NewPath("checkpoints"),
            CheckpointInterval = TimeSpan.Zero,
            Dashboard = new DashboardOptions { TopExamples = 8, Intervals = 4, ExamplesPerInterval = 3 },
        };
        return (store, options);
    }

    /// <summary>Everything stored about the SAE's features, as JSON, for whole-result comparison.</summary>
    public static async Task<string> DumpAsync(AtlasStores store)
    {
        var features = await store.Dashboards.GetFeaturesAsync("model", "sae-l1", 0, 96, CancellationToken.None);
        var summary = await store.Dashboards.GetDashboardSummaryAsync("model", "sae-l1", CancellationToken.None);
        Assert.NotNull(summary);
        return JsonSerializer.Serialize(new { features, summary.TotalTokens, summary.Windows, summary.DeadFeatures, summary.LogDensityHistogram });
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
