using System.Collections.Concurrent;

namespace FeatureAtlas.Jobs.Queue;

/// <summary>
/// Work handed to this process's own Hangfire server by a caller that waits for it here (a CLI command run
/// without <c>--enqueue</c>): the job engine runs it and records it like any job, and the caller gets its result,
/// its progress and its exception (the original one, so errors read as they always did) back in process.
/// </summary>
public sealed class LocalJobs
{
    private readonly ConcurrentDictionary<long, LocalJob> _jobs = new();

    internal void Add(long id, LocalJob job)
    {
        if (!_jobs.TryAdd(id, job)) throw new InvalidOperationException($"Job {id} is already registered.");
    }

    internal LocalJob? Take(long id) => _jobs.TryRemove(id, out var job) ? job : null;
}

/// <summary>One in-process job: its work, the caller's progress and cancellation, and where its outcome goes.</summary>
internal sealed record LocalJob(
    Func<IProgress<JobProgress>, CancellationToken, Task<object?>> Work,
    IProgress<JobProgress>? Progress,
    TaskCompletionSource<object?> Outcome,
    CancellationToken CallerToken);
