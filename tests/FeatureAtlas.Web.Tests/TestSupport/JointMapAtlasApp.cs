using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Jobs;

namespace FeatureAtlas.Web.Tests.TestSupport;

/// <summary>
/// The app over SQLite (as <see cref="SqliteAtlasApp"/>) plus model <see cref="JointModel"/> with two random SAEs of
/// different widths on one residual stream (<see cref="SaeA"/>: <see cref="DSaeA"/> features, with synthetic
/// dashboards so it has frac_nonzero; <see cref="SaeB"/>: <see cref="DSaeB"/>, none), each with its own map, and one
/// joint map of both (<see cref="JointName"/>), all made by the jobs <c>atlas umap</c> runs. About 1 s to build.
/// </summary>
public sealed class JointMapAtlasApp : AtlasApp
{
    public const string JointModel = "tiny-joint";
    public const string SaeA = "res0";
    public const string SaeB = "res1";
    public const int DSaeA = 48;
    public const int DSaeB = 40;
    public const string JointName = SaeA + "+" + SaeB;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "atlas-web-tests", "joint-" + Guid.NewGuid().ToString("N"));

    protected override string Provider => TestDatabase.Sqlite;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var ct = CancellationToken.None;
        var config = new Gpt2Config { Layers = 2, DModel = 32, Heads = 2, Positions = 64, Vocab = 1000, DMlp = 128 };
        await Store.Models.UpsertModelAsync(new ModelRecord(JointModel, null, "{}", config.Layers, config.DModel, config.Vocab), ct);
        foreach (var (sae, dSae, seed) in new[] { (SaeA, DSaeA, 21UL), (SaeB, DSaeB, 22UL) })
        {
            var directory = Path.Combine(_folder, sae);
            SaeInitializer.Create(config, JointModel, "blocks.1.hook_resid_pre", dSae, SaeArchitecture.Standard, seed).Save(directory);
            await Store.Models.UpsertSaeAsync(new SaeRecord(JointModel, sae, directory, "blocks.1.hook_resid_pre", 1, config.DModel, dSae, "standard", "{}"), ct);
        }
        var dashboards = SyntheticDashboards.Create(features: DSaeA, seed: 3, windows: 20, context: 32, top: 3, intervals: 1, perInterval: 1, hook: "blocks.1.hook_resid_pre");
        await Store.Dashboards.SaveDashboardsAsync(JointModel, SaeA, Seed.Corpus, new DashboardOptions { Seed = 1 }, dashboards, ct);

        var checkpoints = Path.Combine(_folder, "checkpoints");
        await UmapJob.RunAsync(new UmapJobOptions { Model = JointModel, Sae = SaeA, CheckpointDirectory = checkpoints }, Store.Models, Store.Umaps, null, ct);
        await UmapJob.RunAsync(new UmapJobOptions { Model = JointModel, Sae = SaeB, CheckpointDirectory = checkpoints }, Store.Models, Store.Umaps, null, ct);
        await JointUmapJob.RunAsync(new JointUmapJobOptions { Model = JointModel, Saes = [SaeA, SaeB], CheckpointDirectory = checkpoints }, Store.Models, Store.Umaps, null, ct);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    /// <summary>The joint map's page, e.g. <c>map?model=tiny-joint&amp;joint=res0%2Bres1</c>.</summary>
    public static string JointMapPath => $"map?model={JointModel}&joint={Uri.EscapeDataString(JointName)}";
}
