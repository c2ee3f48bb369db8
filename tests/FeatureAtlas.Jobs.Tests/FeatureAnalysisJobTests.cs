using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;

namespace FeatureAtlas.Jobs.Tests;

/// <summary>The analysis job on the tiny model's dashboards: every feature analysed, the summary written, and a stopped run resumed to the same rows.</summary>
public class FeatureAnalysisJobTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [Fact]
    public async Task RunAsync_CancelledAfterFirstBatchThenRerun_StoresTheUninterruptedAnalyses()
    {
        var expectedStore = await BuildAsync();
        var options = Options();
        var expected = await FeatureAnalysisJob.RunAsync(options, expectedStore.Corpora, expectedStore.Models, expectedStore.Dashboards, expectedStore.Analyses, null, CancellationToken.None);
        Assert.Equal(96, expected.Features);
        // No word lists given: each list's set is skipped with a note, the rule sets are all there.
        Assert.Equal(TokenSets.WordLists.Count, expected.Notes.Count);
        Assert.Contains(expected.Sets, s => s.Name == "leading_space" && s.Members > 10_000);
        Assert.NotNull(expected.InductionFeatures);

        var features = await expectedStore.Dashboards.GetFeaturesAsync("model", "sae-l1", 0, 96, CancellationToken.None);
        Assert.All(features, f => Assert.NotNull(f.Analysis?.Enrichment));
        Assert.All(features, f => Assert.NotNull(f.Analysis?.Induction));
        var live = features.Where(f => f.Top.Count > 0).ToArray();
        Assert.NotEmpty(live);
        // The whole context is the original one: the feature comes back at its recorded activation.
        Assert.All(live, f => Assert.Equal(1f, f.Analysis!.Prefix!.MeanRatio[^1], 1e-3f));
        Assert.All(features.Where(f => f.Top.Count == 0), f => Assert.Null(f.Analysis!.Prefix));

        var store = await BuildAsync();
        var resumed = options with { CheckpointDirectory = fixture.NewPath("analysis-ckpt") };
        using var cancellation = new CancellationTokenSource();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Stage == "features" && p.Done >= 32) cancellation.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FeatureAnalysisJob.RunAsync(resumed, store.Corpora, store.Models, store.Dashboards, store.Analyses, progress, cancellation.Token));
        Assert.Single(Directory.GetFiles(resumed.CheckpointDirectory, "*.ckpt"));
        Assert.Null(await store.Analyses.GetAnalysisSummaryAsync("model", "sae-l1", CancellationToken.None));

        var result = await FeatureAnalysisJob.RunAsync(resumed, store.Corpora, store.Models, store.Dashboards, store.Analyses, null, CancellationToken.None);

        Assert.Equal(expected.Sets, result.Sets);
        Assert.Equal(await DumpAsync(expectedStore), await DumpAsync(store));
        Assert.Empty(Directory.GetFiles(resumed.CheckpointDirectory));
    }

    private FeatureAnalysisJobOptions Options() => new() { Model = "model", Sae = "sae-l1", BatchFeatures = 32, InductionLength = 6, CheckpointDirectory = fixture.NewPath("analysis-ckpt") };

    private async Task<AtlasStores> BuildAsync()
    {
        var store = await AtlasDatabase.OpenAsync(fixture.NewPath("analysis") + ".db", CancellationToken.None);
        await store.Corpora.AddCorpusAsync("windows", "test", 16, fixture.Windows, replace: false, CancellationToken.None);
        await DashboardJob.RunAsync(new DashboardJobOptions
        {
            ModelDirectory = fixture.ModelDirectory, SaeDirectories = [fixture.SaeDirectory], Corpus = "windows", Tokens = 6400, ModelName = "model",
            CheckpointDirectory = fixture.NewPath("dash-ckpt"), Dashboard = new DashboardOptions { TopExamples = 8, Intervals = 4, ExamplesPerInterval = 3 },
        }, store.Corpora, store.Models, store.Dashboards, null, CancellationToken.None);
        return store;
    }

    private static async Task<string[]> DumpAsync(AtlasStores store) =>
        (await store.Dashboards.GetFeaturesAsync("model", "sae-l1", 0, 1000, CancellationToken.None))
            .Select(f => System.Text.Json.JsonSerializer.Serialize(f.Analysis)).ToArray();

    private sealed class SynchronousProgress(Action<JobProgress> report) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => report(value);
    }
}
