using FeatureAtlas.Core.Corpora;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Jobs;

namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>
/// The app over SQLite (as <see cref="SqliteAtlasApp"/>) plus a model that really runs: a tiny random GPT-2
/// (<see cref="LiveModel"/>: 2 layers, d_model 32, GPT-2's 50,257-token vocabulary so the real tokenizer applies) and a
/// standard SAE of <see cref="LiveDSae"/> features on <see cref="LiveHook"/>, written to a temp folder with fixed seeds,
/// with dashboards built by <see cref="DashboardJob"/> over a small corpus of <see cref="CorpusText"/>. Feature pages
/// of <see cref="LiveSae"/> show real examples, and live inference on it returns real activations. About 2 s to build.
/// </summary>
public class LiveAtlasApp : AtlasApp
{
    public const string LiveModel = "tiny-gpt2";
    public const string LiveSae = "tiny-res1";
    public const string LiveHook = "blocks.1.hook_resid_pre";
    public const string LiveCorpus = "tiny-corpus";
    public const int LiveDSae = 64;

    /// <summary>Public-domain sentences, repeated into the corpus; the dashboards' examples come from these.</summary>
    public static readonly string[] CorpusText =
    [
        "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, I thought I would sail about a little and see the watery part of the world.",
        "It is a way I have of driving off the spleen and regulating the circulation.",
        "Whenever I find myself growing grim about the mouth; whenever it is a damp, drizzly November in my soul, then I account it high time to get to sea as soon as I can.",
        "There now is your insular city of the Manhattoes, belted round by wharves as Indian isles by coral reefs; commerce surrounds it with her surf.",
        "if (x > 0) { y = f(x); } else { y = g(x) + 1; } return y * 2;",
        "The quick brown fox jumps over the lazy dog, 1234567890 times before breakfast.",
    ];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "atlas-web-tests", "live-" + Guid.NewGuid().ToString("N"));

    protected override string Provider => TestDatabase.Sqlite;

    public string ModelDirectory => Path.Combine(_folder, LiveModel);

    public string SaeDirectory => Path.Combine(_folder, LiveSae);

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await BuildLiveModelAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    private async Task BuildLiveModelAsync()
    {
        var ct = CancellationToken.None;
        var config = new Gpt2Config { Layers = 2, DModel = 32, Heads = 2, Positions = 128, Vocab = 50257, DMlp = 128 };
        Gpt2Initializer.Write(ModelDirectory, config, seed: 5);
        SaeInitializer.Create(config, LiveModel, LiveHook, LiveDSae, SaeArchitecture.Standard, seed: 6).Save(SaeDirectory);

        var documents = Enumerable.Range(0, 4).SelectMany(_ => CorpusText);
        var windows = CorpusWindows.FromDocuments(documents, Gpt2Tokenizer.CreateDefault(), context: 32).ToList();
        await Store.Corpora.AddCorpusAsync(LiveCorpus, "tests", 32, windows, replace: false, ct);

        await DashboardJob.RunAsync(new DashboardJobOptions
        {
            ModelDirectory = ModelDirectory,
            SaeDirectories = [SaeDirectory],
            Corpus = LiveCorpus,
            Tokens = 32L * windows.Count,
            ModelName = LiveModel,
            CheckpointDirectory = Path.Combine(_folder, "checkpoints"),
            Dashboard = new DashboardOptions { TopExamples = 8, Intervals = 3, ExamplesPerInterval = 2, Seed = 1 },
        }, Store.Corpora, Store.Models, Store.Dashboards, progress: null, ct);
    }

    /// <summary>The path of a live feature's page, e.g. <c>tiny-gpt2/tiny-res1/3</c> (relative to <see cref="AtlasApp.BaseAddress"/>).</summary>
    public static string FeaturePath(int index) => $"{LiveModel}/{LiveSae}/{index}";
}
