using FeatureAtlas.Core.Storage;
using Hangfire;
using Hangfire.Server;

namespace FeatureAtlas.Jobs.Queue;

/// <summary>
/// The methods Hangfire calls. Each reads its job's record first and does nothing for a finished (cancelled) job, so
/// a queued piece of a cancelled job costs one read. A failure is recorded with this worker's name; Hangfire retries
/// a shard (on any worker) up to <see cref="ShardAttempts"/> times, then the job is failed with the last message.
/// </summary>
public sealed class JobRunner(JobServices services)
{
    /// <summary>Runs of a shard before its job fails: the first and four retries.</summary>
    public const int ShardAttempts = 5;

    /// <summary>Runs work a caller in this process registered and waits for (<see cref="LocalJobs"/>); never retried.</summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task RunLocalAsync(long jobId, CancellationToken cancellationToken)
    {
        var local = services.Local.Take(jobId);
        if (local is null)
        {
            await services.Jobs.FinishJobAsync(jobId, JobStates.Failed, "The process that started this job has ended; run its command again.", CancellationToken.None).ConfigureAwait(false);
            return;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, local.CallerToken);
        try
        {
            if (!await services.Jobs.StartJobAsync(jobId, JobServices.LocalPrefix + services.Worker, linked.Token).ConfigureAwait(false))
            {
                local.Outcome.TrySetCanceled(CancellationToken.None);
                return;
            }
            object? result;
            await using (new JobHeartbeat(services.Jobs, jobId))
            await using (var progress = new JobProgressWriter(services.Jobs, jobId, local.Progress))
            {
                result = await local.Work(progress, linked.Token).ConfigureAwait(false);
            }
            await services.Jobs.FinishJobAsync(jobId, JobStates.Succeeded, null, CancellationToken.None).ConfigureAwait(false);
            local.Outcome.TrySetResult(result);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            await services.Jobs.FinishJobAsync(jobId, JobStates.Cancelled, "Stopped; its checkpoint is kept, so the same command continues it.", CancellationToken.None).ConfigureAwait(false);
            local.Outcome.TrySetCanceled(linked.Token);
        }
        catch (Exception e)
        {
            await services.Jobs.FinishJobAsync(jobId, JobStates.Failed, $"{e.Message} (worker {services.Worker})", CancellationToken.None).ConfigureAwait(false);
            local.Outcome.TrySetException(e);
        }
    }

    /// <summary>Runs a job enqueued whole (<see cref="WholeJobs"/>); a cancel of its record stops it within a second or so.</summary>
    [AutomaticRetry(Attempts = ShardAttempts - 1, DelaysInSeconds = [1, 2, 4, 8])]
    public async Task RunWholeAsync(long jobId, PerformContext? context, CancellationToken cancellationToken)
    {
        var job = await services.Jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null || job.IsFinished) return;
        if (!await services.Jobs.StartJobAsync(jobId, services.Worker, cancellationToken).ConfigureAwait(false)) return;
        using var cancelled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = WatchForCancelAsync(jobId, cancelled);
        try
        {
            await using (new JobHeartbeat(services.Jobs, jobId))
            await using (var progress = new JobProgressWriter(services.Jobs, jobId, null))
            {
                await WholeJobs.RunAsync(services, job, progress, cancelled.Token).ConfigureAwait(false);
            }
            await services.Jobs.FinishJobAsync(jobId, JobStates.Succeeded, null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancelled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Cancelled by a user: the record already says so; its checkpoint stays.
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;   // this worker is stopping: the job checkpointed and goes back to the queue
        }
        catch (Exception e)
        {
            await FailAsync(jobId, $"{job.Kind}: {e.Message} (worker {services.Worker})", context).ConfigureAwait(false);
            throw new InvalidOperationException($"{job.Kind}: {e.Message} (worker {services.Worker})", e);
        }
        finally
        {
            await cancelled.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(false);
        }
    }

    /// <summary>Cancels <paramref name="source"/> when the job's record finishes (cancelled by a user); ends when the source is cancelled.</summary>
    private async Task WatchForCancelAsync(long jobId, CancellationTokenSource source)
    {
        try
        {
            while (!source.IsCancellationRequested)
            {
                await Task.Delay(services.CancelCheckInterval, source.Token).ConfigureAwait(false);
                if ((await services.Jobs.GetJobAsync(jobId, source.Token).ConfigureAwait(false))?.IsFinished != false) await source.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The job ended, or its worker is stopping.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A dropped connection: the job itself will notice; cancel checks are best effort.
        }
    }

    /// <summary>Records a failed attempt; after the last one the job fails with this message.</summary>
    private async Task FailAsync(long jobId, string message, PerformContext? context)
    {
        var attempt = (context?.GetJobParameter<int>("RetryCount") ?? 0) + 1;
        if (attempt >= ShardAttempts) await services.Jobs.FinishJobAsync(jobId, JobStates.Failed, message, CancellationToken.None).ConfigureAwait(false);
        else await services.Jobs.ReportErrorAsync(jobId, $"{message}; retrying (attempt {attempt} of {ShardAttempts})", CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Hands every shard of a recorded sharded job (a dashboard build's or an explain run's) to the job engine, in
    /// shard order; a shard already done only checks whether the job is.
    /// </summary>
    public static void EnqueueShards(JobRecord job, IBackgroundJobClient client)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(client);
        for (var shard = 0; shard < job.Shards; shard++)
        {
            var s = shard;
            client.Enqueue<JobRunner>(r => r.RunShardAsync(job.Id, s, null, CancellationToken.None));
        }
    }

    /// <summary>
    /// Runs one shard of a sharded job: a dashboard build's (merging the build when it was the last shard) or an
    /// explain run's (with the job's cancel watched, as for a whole job).
    /// </summary>
    [AutomaticRetry(Attempts = ShardAttempts - 1, DelaysInSeconds = [1, 2, 4, 8])]
    public async Task RunShardAsync(long jobId, int shard, PerformContext? context, CancellationToken cancellationToken)
    {
        using var cancelled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? watch = null;
        try
        {
            var job = await services.Jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
            if (job is null || job.IsFinished) return;
            if (job.Kind == WholeJobs.Explain)
            {
                watch = WatchForCancelAsync(jobId, cancelled);
                await ShardedExplanations.RunShardAsync(services, job, shard, cancelled.Token).ConfigureAwait(false);
            }
            else
            {
                await ShardedDashboards.RunShardAsync(services, job, shard, cancellationToken).ConfigureAwait(false);   // checks for a cancel itself
            }
        }
        catch (OperationCanceledException) when (cancelled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Cancelled by a user: the record already says so.
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;   // this worker is stopping: Hangfire hands the shard to another, which continues from its last save
        }
        catch (Exception e)
        {
            var message = $"Shard {shard}: {e.Message} (worker {services.Worker})";
            await FailAsync(jobId, message, context).ConfigureAwait(false);
            throw new InvalidOperationException(message, e);
        }
        finally
        {
            if (watch is not null)
            {
                await cancelled.CancelAsync().ConfigureAwait(false);
                await watch.ConfigureAwait(false);
            }
        }
    }
}
