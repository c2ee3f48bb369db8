using System.Diagnostics;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

/// <summary>
/// A running job whose process stops beating loses its lease: a command's own job reads as failed (naming the process,
/// saying the command continues it), a worker's job as queued again; a job that keeps beating stays running.
/// </summary>
public sealed class JobStoreLeaseTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task GetJobAsync_LocalOwnerStoppedBeating_ReadsFailedNamingTheProcess(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var jobs = new JobStore((await db.OpenAsync()).Database) { Lease = Lease };
        var dead = await jobs.CreateJobAsync("explain", "{}", null, "t", [], JobStates.LocalWorkerPrefix + "host:4242", null, None);
        var alive = await jobs.CreateJobAsync("explain", "{}", null, "t", [], JobStates.LocalWorkerPrefix + "host:4243", null, None);

        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < 3 * Lease)
        {
            await jobs.HeartbeatAsync(alive.Id, None);
            await Task.Delay(100);
        }
        var read = (await jobs.GetJobAsync(dead.Id, None))!;

        Assert.Equal(JobStates.Failed, read.State);
        Assert.Contains("host:4242", read.Error);
        Assert.Contains("run the same command again", read.Error);
        Assert.NotNull(read.FinishedAt);
        Assert.Equal(JobStates.Running, (await jobs.GetJobAsync(alive.Id, None))!.State);
        Assert.Contains(await jobs.ListJobsAsync(null, 10, None), j => j.Id == dead.Id && j.State == JobStates.Failed);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task ListUnfinishedJobsAsync_WorkerStoppedBeating_QueuedAgainForAnotherWorker(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var jobs = new JobStore((await db.OpenAsync()).Database) { Lease = Lease };
        var job = await jobs.CreateJobAsync("explain", "{}", null, "t", [], null, "m/s", None);
        Assert.True(await jobs.StartJobAsync(job.Id, "w7", None));

        await Task.Delay(2 * Lease);
        var unfinished = await jobs.ListUnfinishedJobsAsync(None);

        var read = Assert.Single(unfinished, j => j.Id == job.Id);
        Assert.Equal(JobStates.Queued, read.State);
        Assert.Contains("w7", read.Error);
        Assert.Equal("m/s", read.Subject);
        Assert.Equal(read.Id, Assert.Single(await jobs.ListJobsAboutAsync("m/s", 5, None)).Id);
        Assert.True(await jobs.StartJobAsync(job.Id, "w8", None));
        Assert.Equal(JobStates.Running, (await jobs.GetJobAsync(job.Id, None))!.State);
    }
}
