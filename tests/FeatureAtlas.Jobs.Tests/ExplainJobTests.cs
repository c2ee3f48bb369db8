using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;

namespace FeatureAtlas.Jobs.Tests;

/// <summary>The explain job's promise: stopped between batches and started again, it stores what an uninterrupted run stores.</summary>
public class ExplainJobTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [Fact]
    public async Task RunAsync_CancelledAfterFirstBatchThenRerun_StoresTheUninterruptedExplanations()
    {
        var expectedStore = await BuildAsync(fixture);
        var options = Options();
        var expected = await ExplainJob.RunAsync(options, expectedStore.Corpora, expectedStore.Models, expectedStore.Dashboards, expectedStore.Explanations, null, null, CancellationToken.None);
        Assert.Equal(96, expected.Features);
        Assert.True(expected.NegativesMeasured);

        var store = await BuildAsync(fixture);
        var resumed = options with { CheckpointDirectory = fixture.NewPath("explain-ckpt") };
        using var cancellation = new CancellationTokenSource();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Stage == "features" && p.Done >= 16) cancellation.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ExplainJob.RunAsync(resumed, store.Corpora, store.Models, store.Dashboards, store.Explanations, null, progress, cancellation.Token));
        Assert.Single(Directory.GetFiles(resumed.CheckpointDirectory, "*.ckpt"));
        Assert.Equal(16, (await store.Explanations.ListExplanationsAsync("model", "sae-l1", null, 0, 1000, CancellationToken.None)).Select(e => e.FeatureIndex).Distinct().Count());

        var result = await ExplainJob.RunAsync(resumed, store.Corpora, store.Models, store.Dashboards, store.Explanations, null, null, CancellationToken.None);

        Assert.Equal(expected, result);
        Assert.Equal(await DumpAsync(expectedStore), await DumpAsync(store));
        Assert.Empty(Directory.GetFiles(resumed.CheckpointDirectory));
    }

    private ExplainJobOptions Options() => new() { Model = "model", Sae = "sae-l1", BatchFeatures = 16, PoolWindows = 32, CheckpointDirectory = fixture.NewPath("explain-ckpt") };

    /// <summary>A new SQLite store holding the fixture's corpus and the dashboards of its SAE (model 'model', SAE 'sae-l1').</summary>
    internal static async Task<AtlasStores> BuildAsync(DashboardJobFixture fixture)
    {
        var store = await AtlasDatabase.OpenAsync(fixture.NewPath("explain") + ".db", CancellationToken.None);
        await store.Corpora.AddCorpusAsync("windows", "test", 16, fixture.Windows, replace: false, CancellationToken.None);
        await DashboardJob.RunAsync(new DashboardJobOptions
        {
            ModelDirectory = fixture.ModelDirectory, SaeDirectories = [fixture.SaeDirectory], Corpus = "windows", Tokens = 6400, ModelName = "model",
            CheckpointDirectory = fixture.NewPath("dash-ckpt"), Dashboard = new DashboardOptions { TopExamples = 8, Intervals = 4, ExamplesPerInterval = 3 },
        }, store.Corpora, store.Models, store.Dashboards, null, CancellationToken.None);
        return store;
    }

    internal static async Task<string[]> DumpAsync(AtlasStores store) =>
        (await store.Explanations.ListExplanationsAsync("model", "sae-l1", null, 0, 1000, CancellationToken.None)).Select(e => $"{e.FeatureIndex}|{e.Method}|{e.Text}|{e.ScoresJson}").ToArray();

    private sealed class SynchronousProgress(Action<JobProgress> report) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => report(value);
    }
}
