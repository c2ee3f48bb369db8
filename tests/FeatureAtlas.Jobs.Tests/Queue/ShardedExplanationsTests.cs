using System.Diagnostics;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Jobs.Queue;

namespace FeatureAtlas.Jobs.Tests.Queue;

/// <summary>
/// Explanations split by feature range across workers (an in-process Hangfire server with several workers, SQLite's
/// setup): the stored explanations equal one uninterrupted run's, the job's progress counts features, and a cancel
/// stops the shards.
/// </summary>
public class ShardedExplanationsTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [Fact]
    public async Task Enqueue_ShardsOnSeveralWorkers_StoreTheSingleRunsExplanations()
    {
        var expectedStore = await ExplainJobTests.BuildAsync(fixture);
        await ExplainJob.RunAsync(Options(), expectedStore.Corpora, expectedStore.Models, expectedStore.Dashboards, expectedStore.Explanations, null, null, CancellationToken.None);
        var store = await ExplainJobTests.BuildAsync(fixture);
        var services = Services(store);
        using var host = AtlasJobHost.Start(services, AtlasJobStorage.InMemory(), workers: 3);

        var job = await ShardedExplanations.EnqueueAsync(Options(), 5, null, store.Jobs, store.Models, host.Client, CancellationToken.None);
        var finished = await JobWaits.FinishedAsync(store.Jobs, job.Id);

        Assert.True(finished.State == JobStates.Succeeded, finished.Error);
        Assert.Equal(await ExplainJobTests.DumpAsync(expectedStore), await ExplainJobTests.DumpAsync(store));
        var shards = await store.Jobs.ListShardsAsync(job.Id, CancellationToken.None);
        Assert.Equal([(0, 20), (20, 19), (39, 19), (58, 19), (77, 19)], shards.Select(s => (s.First, s.Count)));
        Assert.All(shards, s => Assert.True(s.Done && s.Next == s.First + s.Count));
        Assert.Equal(("features", 96L, 96L), (finished.Stage, finished.Done, finished.Total));
    }

    [Fact]
    public async Task Enqueue_AFeatureRange_SplitsOnlyThatRange()
    {
        var store = await ExplainJobTests.BuildAsync(fixture);

        var job = await ShardedExplanations.EnqueueAsync(Options() with { First = 10, Count = 30 }, 4, null, store.Jobs, store.Models, null, CancellationToken.None);

        var shards = await store.Jobs.ListShardsAsync(job.Id, CancellationToken.None);
        Assert.Equal([(10, 8), (18, 8), (26, 7), (33, 7)], shards.Select(s => (s.First, s.Count)));
    }

    [Fact]
    public async Task Cancel_WhileShardsRun_StopsThemWithinSeconds()
    {
        var store = await ExplainJobTests.BuildAsync(fixture);
        var services = Services(store);
        using var host = AtlasJobHost.Start(services, AtlasJobStorage.InMemory(), workers: 2);

        var job = await ShardedExplanations.EnqueueAsync(Options() with { BatchFeatures = 1 }, 2, null, store.Jobs, store.Models, host.Client, CancellationToken.None);
        await JobWaits.Until(async () => (await store.Jobs.ListShardsAsync(job.Id, CancellationToken.None)).Any(s => s.Next > s.First));
        Assert.True(await store.Jobs.CancelJobAsync(job.Id, CancellationToken.None));
        var watch = Stopwatch.StartNew();
        var monitoring = host.Storage.GetMonitoringApi();
        await JobWaits.Until(() => Task.FromResult(monitoring.ProcessingCount() == 0 && monitoring.EnqueuedCount("default") == 0));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"The shards ran on for {watch.Elapsed.TotalSeconds:F1} s after the cancel.");
        Assert.Equal(JobStates.Cancelled, (await store.Jobs.GetJobAsync(job.Id, CancellationToken.None))!.State);
        Assert.Contains(await store.Jobs.ListShardsAsync(job.Id, CancellationToken.None), s => !s.Done);
    }

    [Fact]
    public async Task Enqueue_AnLlmRun_IsRefusedNamingWhy()
    {
        var store = await ExplainJobTests.BuildAsync(fixture);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => ShardedExplanations.EnqueueAsync(
            Options() with { LlmStyle = Core.Explain.Llm.LlmExplainerStyle.Delphi }, 2, null, store.Jobs, store.Models, null, CancellationToken.None));
        Assert.Contains("offline explainer only", error.Message);
    }

    private ExplainJobOptions Options() => new() { Model = "model", Sae = "sae-l1", BatchFeatures = 8, PoolWindows = 32, CheckpointDirectory = fixture.NewPath("explain-ckpt") };

    private static JobServices Services(AtlasStores store) => new()
    {
        Jobs = store.Jobs, Corpora = store.Corpora, Models = store.Models, Dashboards = store.Dashboards, Explanations = store.Explanations, Worker = "w",
        CancelCheckInterval = TimeSpan.FromMilliseconds(200),
    };
}
