namespace FeatureAtlas.Core.Storage;

/// <summary>
/// The durable record of long jobs and of their shards' partial state. The job engine (Hangfire) moves the work;
/// this record is what users list, wait on and cancel, and it is what a retried shard resumes from. Every write is
/// one statement or one transaction, so a worker killed at any moment leaves either the old or the new row.
/// </summary>
public interface IJobStore
{
    /// <summary>
    /// Records a new job with <paramref name="shards"/> pieces of (first window, windows); returns it. It is queued, or,
    /// with <paramref name="runningOn"/>, already running there (a process running its own job, which no queue may take).
    /// </summary>
    Task<JobRecord> CreateJobAsync(string kind, string optionsJson, int? userId, string? title, IReadOnlyList<(int First, int Count)> shards, string? runningOn,
        string? subject, CancellationToken cancellationToken);

    /// <summary>The newest jobs about <paramref name="subject"/> (<c>model/sae</c>) first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<JobRecord>> ListJobsAboutAsync(string subject, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Says the process running job <paramref name="id"/> is alive. A running job without a heartbeat for longer than
    /// the store's lease has lost its owner: the reads show it failed (a process that ran its own job: it died, and its
    /// command continues it from its checkpoint) or queued again (a worker's job: another worker will take it).
    /// </summary>
    Task HeartbeatAsync(long id, CancellationToken cancellationToken);

    /// <summary>How long a running job may go without a heartbeat; its processes beat six times as often.</summary>
    TimeSpan Lease { get; }

    Task<JobRecord?> GetJobAsync(long id, CancellationToken cancellationToken);

    /// <summary>The newest jobs first, optionally only one user's, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<JobRecord>> ListJobsAsync(int? userId, int limit, CancellationToken cancellationToken);

    /// <summary>Jobs queued or running, oldest first (an in-process server hands them to its queue on start).</summary>
    Task<IReadOnlyList<JobRecord>> ListUnfinishedJobsAsync(CancellationToken cancellationToken);

    /// <summary>Marks a job running on <paramref name="worker"/> unless it has finished; false when it has (cancelled, say).</summary>
    Task<bool> StartJobAsync(long id, string worker, CancellationToken cancellationToken);

    Task ReportProgressAsync(long id, string stage, long done, long total, CancellationToken cancellationToken);

    /// <summary>Records the last error seen (a retry may still follow) without finishing the job.</summary>
    Task ReportErrorAsync(long id, string message, CancellationToken cancellationToken);

    /// <summary>Finishes a job unless it already finished (a cancelled job stays cancelled); false when it had.</summary>
    Task<bool> FinishJobAsync(long id, string state, string? message, CancellationToken cancellationToken);

    /// <summary>Cancels a job that has not finished; false when it had.</summary>
    Task<bool> CancelJobAsync(long id, CancellationToken cancellationToken);

    Task<IReadOnlyList<JobShardRecord>> ListShardsAsync(long jobId, CancellationToken cancellationToken);

    /// <summary>Counts a start of a shard by <paramref name="worker"/> and returns the shard as stored.</summary>
    Task<JobShardRecord> StartShardAsync(long jobId, int shard, string worker, CancellationToken cancellationToken);

    /// <summary>
    /// Hands a shard's accumulated state to <paramref name="read"/> as a stream from the database, not copied into
    /// memory first (hundreds of MB for a wide SAE); false, without calling it, before the shard's first save.
    /// </summary>
    Task<bool> ReadShardStateAsync(long jobId, int shard, Action<Stream> read, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces a shard's state and position in one statement: a retried shard overwrites what its dead attempt
    /// saved, so no window is ever counted twice. <paramref name="state"/> is read before the task completes, not kept.
    /// </summary>
    Task SaveShardAsync(long jobId, int shard, int nextWindow, bool done, ReadOnlyMemory<byte> state, CancellationToken cancellationToken);
}
