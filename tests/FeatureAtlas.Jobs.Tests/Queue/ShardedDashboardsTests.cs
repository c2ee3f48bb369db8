using System.Diagnostics;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Jobs.Queue;

namespace FeatureAtlas.Jobs.Tests.Queue;

/// <summary>
/// Sharded dashboard builds on an in-process Hangfire server (SQLite's setup): the merged result equals a
/// single-process build, a server stopped midway is continued by the next one from the shards' saved state, a cancel
/// stops the shards within seconds and keeps the previous dashboards, and missing model files fail the job naming the
/// path and the worker. Workers in separate processes on PostgreSQL are in the CLI tests.
/// </summary>
public class ShardedDashboardsTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [Fact]
    public async Task Enqueue_ShardsOnSeveralWorkers_StoreTheSingleProcessResult()
    {
        var expected = await fixture.UninterruptedDashboardsAsync();
        var (store, options) = await fixture.NewDashboardRunAsync();
        var services = Services(store, "w1");
        using var host = AtlasJobHost.Start(services, AtlasJobStorage.InMemory(), workers: 3);

        var job = await ShardedDashboards.EnqueueAsync(options, 7, null, services.Jobs, store.Corpora, host.Client, CancellationToken.None);
        Assert.Equal(7 + 1, job.Shards);   // and one logit piece: 96 features
        var finished = await JobWaits.FinishedAsync(services.Jobs, job.Id);

        Assert.True(finished.State == JobStates.Succeeded, finished.Error);
        ShardedResult.AssertSameJson(expected, await DashboardJobFixture.DumpAsync(store), "stored dashboards");
        var shards = await services.Jobs.ListShardsAsync(job.Id, CancellationToken.None);
        Assert.Equal(fixture.Windows.Length, shards.Sum(s => s.Count));
        Assert.Equal([7], shards.Where(LogitPieces.Is).Select(s => s.Shard));
        Assert.All(shards, s => Assert.True(s.Done && s.Next == s.First + s.Count && s.Attempts == 1));
    }

    [Fact]
    public async Task Enqueue_ServerStoppedMidwayThenAnotherStarts_ContinuesToTheSingleProcessResult()
    {
        var expected = await fixture.UninterruptedDashboardsAsync();
        var (store, options) = await fixture.NewDashboardRunAsync();
        options = options with { BatchWindows = 1 };
        var services = Services(store, "first");
        IJobStore jobs = services.Jobs;
        JobRecord job;
        using (var first = AtlasJobHost.Start(services, AtlasJobStorage.InMemory(), workers: 2))
        {
            job = await ShardedDashboards.EnqueueAsync(options, 4, null, jobs, store.Corpora, first.Client, CancellationToken.None);
            // Stop the server (as SIGTERM stops a worker) once a shard has saved part of its windows.
            await JobWaits.Until(async () => (await jobs.ListShardsAsync(job.Id, CancellationToken.None)).Any(s => s.Next > s.First && !s.Done));
        }
        var stopped = await jobs.ListShardsAsync(job.Id, CancellationToken.None);
        // A stopping server lets a shard that is nearly through finish, so what is left may be whole shards.
        Assert.Contains(stopped, s => !s.Done);

        // SQLite's in-memory queue died with the server: the next process's pump hands the unfinished job over again.
        var next = Services(store, "second");
        using var second = AtlasJobHost.Start(next, AtlasJobStorage.InMemory(), workers: 2);
        Assert.Equal(1, await new JobPump(next.Jobs, second.Client).PumpOnceAsync(CancellationToken.None));
        var finished = await JobWaits.FinishedAsync(jobs, job.Id);

        Assert.True(finished.State == JobStates.Succeeded, finished.Error);
        ShardedResult.AssertSameJson(expected, await DashboardJobFixture.DumpAsync(store), "stored dashboards");
        var shards = await jobs.ListShardsAsync(job.Id, CancellationToken.None);
        Assert.Contains(shards, s => s.Attempts == 2 && s.Worker == "second");
    }

    [Fact]
    public async Task Cancel_WhileShardsRun_StopsThemWithinSecondsAndKeepsThePreviousDashboards()
    {
        var previous = await fixture.UninterruptedDashboardsAsync();
        var (store, options) = await fixture.NewDashboardRunAsync();
        await DashboardJob.RunAsync(options, store.Corpora, store.Models, store.Dashboards, null, CancellationToken.None);
        var services = Services(store, "w");
        using var host = AtlasJobHost.Start(services, AtlasJobStorage.InMemory(), workers: 2);

        var rebuild = options with { BatchWindows = 1, Dashboard = options.Dashboard with { TopExamples = 3 } };
        var job = await ShardedDashboards.EnqueueAsync(rebuild, 4, null, services.Jobs, store.Corpora, host.Client, CancellationToken.None);
        await JobWaits.Until(async () => (await services.Jobs.ListShardsAsync(job.Id, CancellationToken.None)).Any(s => s.Next > s.First));
        Assert.True(await services.Jobs.CancelJobAsync(job.Id, CancellationToken.None));
        var watch = Stopwatch.StartNew();
        var monitoring = host.Storage.GetMonitoringApi();
        await JobWaits.Until(() => Task.FromResult(monitoring.ProcessingCount() == 0 && monitoring.EnqueuedCount("default") == 0));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"The shards ran on for {watch.Elapsed.TotalSeconds:F1} s after the cancel.");
        Assert.Equal(JobStates.Cancelled, (await services.Jobs.GetJobAsync(job.Id, CancellationToken.None))!.State);
        Assert.Contains(await services.Jobs.ListShardsAsync(job.Id, CancellationToken.None), s => !s.Done);
        Assert.Equal(previous, await DashboardJobFixture.DumpAsync(store));
    }

    [Fact]
    public async Task Shard_ModelFilesMissingOnTheWorker_FailsTheJobNamingThePathAndTheWorker()
    {
        var (store, options) = await fixture.NewDashboardRunAsync();
        var missing = fixture.NewPath("no-model");
        var services = Services(store, "worker-7");
        using var host = AtlasJobHost.Start(services, AtlasJobStorage.InMemory(), workers: 1);

        var job = await ShardedDashboards.EnqueueAsync(options with { ModelDirectory = missing }, 1, null, services.Jobs, store.Corpora, host.Client, CancellationToken.None);
        var finished = await JobWaits.FinishedAsync(services.Jobs, job.Id);

        Assert.Equal(JobStates.Failed, finished.State);
        Assert.Contains(missing, finished.Error);
        Assert.Contains("worker-7", finished.Error);
        Assert.Equal(JobRunner.ShardAttempts, (await services.Jobs.ListShardsAsync(job.Id, CancellationToken.None))[0].Attempts);
    }

    [Fact]
    public void Split_Windows_ContiguousPiecesDifferingByAtMostOne()
    {
        Assert.Equal([(0, 4), (4, 3), (7, 3)], ShardedDashboards.Split(10, 3));
    }

    private static JobServices Services(AtlasStores store, string worker) => new()
    {
        Jobs = store.Jobs, Corpora = store.Corpora, Models = store.Models, Dashboards = store.Dashboards, Worker = worker,
        ShardSaveInterval = TimeSpan.FromMilliseconds(250), CancelCheckInterval = TimeSpan.FromMilliseconds(200),
    };
}
