using System.Text.Json;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Jobs;
using FeatureAtlas.Jobs.Queue;
using Hangfire;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// How the long commands run their work through the job engine: here, on an in-process Hangfire server (recorded in
/// the <c>jobs</c> table, with progress, Ctrl+C and errors as before), or with <c>--enqueue</c> handed to the queue.
/// </summary>
internal static class JobsCli
{
    public static JobServices Services(AtlasStores store, string? worker = null, TimeSpan? shardSaveInterval = null) => new()
    {
        Jobs = store.Jobs, Corpora = store.Corpora, Models = store.Models, Dashboards = store.Dashboards, Explanations = store.Explanations,
        Maps = store.Umaps, Evals = store.Evals, Analyses = store.Analyses, Graphs = store.Graphs,
        Worker = worker ?? JobServices.DefaultWorkerName(),
        ShardSaveInterval = shardSaveInterval ?? TimeSpan.FromSeconds(30),
    };

    /// <summary>What a resumable command says when Ctrl+C or SIGTERM stops it.</summary>
    public const string StoppedMessage = "Stopped. The progress is checkpointed: run the same command again to continue.";

    /// <summary>
    /// Runs a resumable command's work here: exit 0 when it finishes; when Ctrl+C or SIGTERM stops it, the
    /// <see cref="StoppedMessage"/> on stderr and exit 130 (its job checkpointed on the way out).
    /// </summary>
    public static async Task<int> RunCheckpointedAsync(Func<Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            await work();
            return ExitCodes.Success;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine(StoppedMessage);
            return ExitCodes.Cancelled;
        }
    }

    /// <summary>Runs <paramref name="work"/> as a recorded job on this process's own Hangfire server and returns its result.</summary>
    public static async Task<T> RunLocalAsync<T>(AtlasStores store, string kind, string title, object options, Func<IProgress<JobProgress>, CancellationToken, Task<T>> work,
        IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        using var host = AtlasJobHost.Start(Services(store), AtlasJobStorage.InMemory(), workers: 1);
        return await host.RunAsync(kind, title, OptionsJson(options), work, progress, cancellationToken);
    }

    /// <summary>The options as the job record keeps them (for people reading <c>atlas jobs show</c>); an LLM client or other live object is left out.</summary>
    private static string OptionsJson(object options)
    {
        try
        {
            return JsonSerializer.Serialize(options);
        }
        catch (NotSupportedException)
        {
            return JsonSerializer.Serialize(new { type = options.GetType().Name });
        }
    }

    /// <summary>The queue's client: Hangfire.PostgreSql on PostgreSQL; null on SQLite, where <c>atlas serve</c> picks recorded jobs up.</summary>
    public static IBackgroundJobClient? QueueClient(AtlasStores store) =>
        store.Database.Provider == AtlasProvider.Postgres ? new BackgroundJobClient(AtlasJobStorage.Postgres(store.Database.ConnectionString)) : null;

    /// <summary>The <c>--enqueue</c> option of the long commands.</summary>
    public static System.CommandLine.Option<bool> EnqueueOption() =>
        new("--enqueue") { Description = "Queue the job for workers (`atlas worker`, or `atlas serve` on SQLite) instead of running it here; prints the job id." };

    /// <summary>Queues a job that runs whole on a worker and prints its id.</summary>
    public static async Task<int> EnqueueWholeAsync(AtlasStores store, string kind, object options, string title, CancellationToken cancellationToken)
    {
        var job = await WholeJobs.EnqueueAsync(kind, options, null, title, store.Jobs, QueueClient(store), cancellationToken);
        ReportEnqueued(store, job.Id);
        return ExitCodes.Success;
    }

    /// <summary>What an enqueuing command prints: the job id alone on stdout, and where it will run on stderr.</summary>
    public static void ReportEnqueued(AtlasStores store, long id)
    {
        Console.WriteLine(id);
        Console.Error.WriteLine(store.Database.Provider == AtlasProvider.Postgres
            ? $"Queued job {id}; `atlas worker --db ...` processes on any machine run it. Follow it with `atlas jobs wait {id}`."
            : $"Queued job {id} in {store.Database.Description}; `atlas serve` on this database runs it (workers on other machines need PostgreSQL).");
    }
}
