using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Jobs.Queue;

/// <summary>
/// Tells the job's record, six times per <see cref="IJobStore.Lease"/>, that the process running it is alive, for as
/// long as it is not disposed. A process that dies stops beating, and the record's readers then see the job failed (a
/// command's own job) or queued again (a worker's), instead of "running" forever.
/// </summary>
internal sealed class JobHeartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _beating;

    public JobHeartbeat(IJobStore jobs, long id)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        _beating = BeatAsync(jobs, id, jobs.Lease / 6, _stop.Token);
    }

    private static async Task BeatAsync(IJobStore jobs, long id, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await jobs.HeartbeatAsync(id, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    // The database is briefly away (restarted): the next beat tries again; the lease covers six misses.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed: the job ended here.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _beating.ConfigureAwait(false);
        _stop.Dispose();
    }
}
