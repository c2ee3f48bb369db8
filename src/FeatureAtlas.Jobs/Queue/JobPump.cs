using FeatureAtlas.Core.Storage;
using Hangfire;

namespace FeatureAtlas.Jobs.Queue;

/// <summary>
/// On SQLite, where Hangfire's queue lives in memory, the <c>jobs</c> table is the durable queue: this hands every
/// unfinished queued job to the in-process server when the process starts and then each new one as it appears
/// (enqueued by <c>atlas … --enqueue</c> or the site), so a restart loses nothing.
/// </summary>
public sealed class JobPump(IJobStore jobs, IBackgroundJobClient client)
{
    private readonly HashSet<long> _handed = [];

    /// <summary>Hands over the jobs not handed yet; returns how many.</summary>
    public async Task<int> PumpOnceAsync(CancellationToken cancellationToken)
    {
        var handed = 0;
        foreach (var job in await jobs.ListUnfinishedJobsAsync(cancellationToken).ConfigureAwait(false))
        {
            // A job run by the process that started it (a command without --enqueue) is that process's alone.
            if (job.Worker?.StartsWith(JobServices.LocalPrefix, StringComparison.Ordinal) == true || !_handed.Add(job.Id)) continue;
            if (job.Shards > 0 && job.Kind is ShardedDashboards.Kind or WholeJobs.Explain) JobRunner.EnqueueShards(job, client);
            else if (WholeJobs.Kinds.Contains(job.Kind)) WholeJobs.Dispatch(job, client);
            else continue;
            handed++;
        }
        return handed;
    }

    /// <summary>Pumps every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await PumpOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database was briefly unavailable: the next tick tries again.
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }
}
