using FeatureAtlas.Core.Storage;
using Hangfire;

namespace FeatureAtlas.Jobs.Queue;

/// <summary>
/// A Hangfire server in this process over <see cref="Storage"/>, with <see cref="JobRunner"/> built from
/// <see cref="Services"/>: what <c>atlas worker</c>, <c>atlas serve</c> and every long CLI command run their jobs on.
/// Disposing it stops the server: running jobs see their token cancelled, checkpoint, and are handed back.
/// </summary>
public sealed class AtlasJobHost : IDisposable
{
    private readonly BackgroundJobServer _server;

    private AtlasJobHost(JobServices services, JobStorage storage, BackgroundJobServer server)
    {
        Services = services;
        Storage = storage;
        Client = new BackgroundJobClient(storage);
        _server = server;
    }

    public JobServices Services { get; }

    public JobStorage Storage { get; }

    public IBackgroundJobClient Client { get; }

    /// <summary>Starts a server of <paramref name="workers"/> workers on <paramref name="queues"/> (Hangfire's "default" when none).</summary>
    public static AtlasJobHost Start(JobServices services, JobStorage storage, int workers, IReadOnlyList<string>? queues = null, TimeSpan? shutdownTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        var options = new BackgroundJobServerOptions
        {
            WorkerCount = workers,
            Queues = queues is { Count: > 0 } ? queues.ToArray() : ["default"],
            Activator = new RunnerActivator(services),
            ServerName = services.Worker,
            ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(30),
            SchedulePollingInterval = TimeSpan.FromSeconds(1),
            ServerCheckInterval = TimeSpan.FromSeconds(30),
            HeartbeatInterval = TimeSpan.FromSeconds(5),
            CancellationCheckInterval = TimeSpan.FromSeconds(1),
        };
        return new AtlasJobHost(services, storage, new BackgroundJobServer(options, storage));
    }

    /// <summary>
    /// Records a job, runs <paramref name="work"/> on this process's server and returns its result; its exception (the
    /// original) and its cancellation (by <paramref name="cancellationToken"/>) come back as if it ran here.
    /// </summary>
    public async Task<T> RunAsync<T>(string kind, string title, string optionsJson, Func<IProgress<JobProgress>, CancellationToken, Task<T>> work,
        IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var job = await Services.Jobs.CreateJobAsync(kind, optionsJson, null, title, [], JobServices.LocalPrefix + Services.Worker, null, cancellationToken).ConfigureAwait(false);
        var outcome = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Services.Local.Add(job.Id, new LocalJob(async (p, ct) => await work(p, ct).ConfigureAwait(false), progress, outcome, cancellationToken));
        Client.Enqueue<JobRunner>(r => r.RunLocalAsync(job.Id, CancellationToken.None));
        return (T)(await outcome.Task.ConfigureAwait(false))!;
    }

    public void Dispose()
    {
        _server.SendStop();
        _server.Dispose();
    }

    /// <summary>Builds <see cref="JobRunner"/> with this host's services; Hangfire asks it for every job.</summary>
    private sealed class RunnerActivator(JobServices services) : JobActivator
    {
        public override object ActivateJob(Type jobType) =>
            jobType == typeof(JobRunner) ? new JobRunner(services) : throw new InvalidOperationException($"FeatureAtlas workers run only {nameof(JobRunner)} jobs, not {jobType}.");
    }
}
