using System.CommandLine;
using FeatureAtlas.Data;
using FeatureAtlas.Jobs.Queue;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas worker --db PG [--queues q…] [--workers N] [--name NAME]</c>: a Hangfire server that runs queued jobs on
/// this machine, which must reach the database and see the model and SAE folders at the paths the jobs name (a shared
/// folder). SIGTERM or Ctrl+C: running shards save their state and go back to the queue, then the worker exits 0.
/// </summary>
internal static class WorkerCommand
{
    public const string NeedsPostgres = "atlas worker needs PostgreSQL (--db \"Host=...;Database=...\"): workers share one database, and a SQLite file belongs to one machine, where `atlas serve` runs the jobs itself.";

    public static Command Create()
    {
        var db = new Option<string>("--db") { Description = "The PostgreSQL connection string of the shared database (Host=...;Database=...;Username=...;Password=...).", Required = true };
        var queues = new Option<string[]>("--queues") { Description = "Queues to take jobs from (default: default).", AllowMultipleArgumentsPerToken = true };
        var workers = new Option<int>("--workers") { Description = "Jobs run at once in this process.", DefaultValueFactory = _ => 1 };
        var name = new Option<string?>("--name") { Description = "This worker's name in job records and messages (default: host:pid)." };
        var checkpointSeconds = new Option<double>("--checkpoint-seconds") { Description = "Seconds between saves of a running shard's state (what a killed worker's successor redoes); as often as `dashboards build` checkpoints.", DefaultValueFactory = _ => 30 };
        var command = new Command("worker", "Run queued jobs (dashboard shards…) from a PostgreSQL database until stopped.") { db, queues, workers, name, checkpointSeconds };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var connection = parse.GetValue(db)!;
            if (AtlasDatabase.DetectProvider(connection) != AtlasProvider.Postgres)
            {
                Console.Error.WriteLine($"error: {NeedsPostgres}");
                return ExitCodes.BadInput;
            }
            if (parse.GetValue(workers) <= 0) throw new UsageException("--workers must be positive.");
            var queueNames = parse.GetValue(queues) ?? [];
            foreach (var queue in queueNames)
            {
                if (queue.Length == 0 || queue.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')))
                {
                    throw new UsageException($"--queues: '{queue}' is not a queue name (lowercase letters, digits and _).");
                }
            }
            using var stop = StopSignal.Register(cancellationToken);
            var store = await AtlasDatabase.OpenAsync(connection, stop.Token);
            var services = JobsCli.Services(store, parse.GetValue(name), TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(checkpointSeconds))));
            using (AtlasJobHost.Start(services, AtlasJobStorage.Postgres(store.Database.ConnectionString), parse.GetValue(workers), queueNames))
            {
                Console.Error.WriteLine($"Worker {services.Worker} on {store.Database.Description}: {parse.GetValue(workers)} at once from queue(s) {(queueNames.Length == 0 ? "default" : string.Join(", ", queueNames))}. Ctrl+C or SIGTERM stops it.");
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    Console.Error.WriteLine("Stopping: running shards save their state and go back to the queue.");
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
