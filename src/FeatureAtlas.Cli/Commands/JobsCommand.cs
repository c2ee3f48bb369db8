using System.CommandLine;
using System.Text.Json;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Jobs.Queue;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas jobs list|show ID|cancel ID|wait ID</c>: the long jobs recorded in a database. <c>wait</c> exits 0 when the
/// job succeeded and 1 when it failed or was cancelled.
/// </summary>
internal static class JobsCommand
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var jobs = new Command("jobs", "List, show, cancel and wait for long jobs (dashboards…).");
        jobs.Subcommands.Add(CreateList());
        jobs.Subcommands.Add(CreateShow());
        jobs.Subcommands.Add(CreateCancel());
        jobs.Subcommands.Add(CreateWait());
        return jobs;
    }

    private static Command CreateList()
    {
        var limit = new Option<int>("--limit") { Description = "Newest jobs to list.", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var db = StoreOptions.Db();
        var command = new Command("list", "The newest jobs, with state and progress.") { limit, json, db };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(limit) <= 0) throw new UsageException("--limit must be positive.");
            var jobs = await OpenAsync(parse.GetValue(db)!, cancellationToken);
            var list = await jobs.ListJobsAsync(null, parse.GetValue(limit), cancellationToken);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(list.Select(ToJson), SnakeCase));
                return ExitCodes.Success;
            }
            foreach (var job in list) Console.WriteLine(Line(job));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateShow()
    {
        var id = new Argument<long>("id") { Description = "The job id." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var db = StoreOptions.Db();
        var command = new Command("show", "One job: state, progress, error, and its shards.") { id, json, db };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var jobs = await OpenAsync(parse.GetValue(db)!, cancellationToken);
            var job = await GetAsync(jobs, parse.GetValue(id), cancellationToken);
            var shards = await jobs.ListShardsAsync(job.Id, cancellationToken);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { job = ToJson(job), shards }, SnakeCase));
                return ExitCodes.Success;
            }
            Console.WriteLine(Line(job));
            if (job.Title is not null) Console.WriteLine($"  {job.Title}");
            if (job.Error is not null) Console.WriteLine($"  error: {job.Error}");
            var logitPieces = shards.Count(LogitPieces.Is);
            var unit = job.Kind == WholeJobs.Explain ? "features" : "windows";   // an explain run is split by feature range
            foreach (var s in shards)
            {
                var work = job.Kind == ShardedDashboards.Kind && LogitPieces.Is(s)
                    ? $"logit tables, piece {s.First + 1} of {logitPieces}{(s.Done ? " (finished)" : "")}"
                    : $"{unit} {s.First}-{s.First + s.Count - 1}, {s.Next - s.First}/{s.Count} done{(s.Done ? " (finished)" : "")}";
                Console.WriteLine($"  shard {s.Shard}: {work}, {s.Attempts} start(s){(s.Worker is null ? "" : $", last on {s.Worker}")}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateCancel()
    {
        var id = new Argument<long>("id") { Description = "The job id." };
        var db = StoreOptions.Db();
        var command = new Command("cancel", "Cancel a job: its running shards stop within seconds, and nothing it would have stored is stored.") { id, db };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var jobs = await OpenAsync(parse.GetValue(db)!, cancellationToken);
            var job = await GetAsync(jobs, parse.GetValue(id), cancellationToken);
            if (await jobs.CancelJobAsync(job.Id, cancellationToken))
            {
                Console.WriteLine($"Cancelled job {job.Id}.");
                return ExitCodes.Success;
            }
            Console.Error.WriteLine($"error: job {job.Id} had already {job.State}.");
            return ExitCodes.BadInput;
        });
        return command;
    }

    private static Command CreateWait()
    {
        var id = new Argument<long>("id") { Description = "The job id." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait at most (0: no limit)." };
        var db = StoreOptions.Db();
        var command = new Command("wait", "Wait for a job to finish: exit 0 when it succeeded, 1 when it failed or was cancelled.") { id, timeout, db };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var jobs = await OpenAsync(parse.GetValue(db)!, cancellationToken);
            var job = await GetAsync(jobs, parse.GetValue(id), cancellationToken);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (parse.GetValue(timeout) > 0) limit.CancelAfter(TimeSpan.FromSeconds(parse.GetValue(timeout)));
            try
            {
                job = await ProgressDisplay.RunAsync($"job {job.Id}", async progress =>
                {
                    while (true)
                    {
                        var current = await GetAsync(jobs, job.Id, limit.Token);
                        if (current.Stage is { } stage) progress.Report(new FeatureAtlas.Jobs.JobProgress(stage, current.Done, current.Total));
                        if (current.IsFinished) return current;
                        await Task.Delay(500, limit.Token);
                    }
                });
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine($"error: job {job.Id} is still {job.State} after {parse.GetValue(timeout)} s.");
                return ExitCodes.BadInput;
            }
            if (job.State == JobStates.Succeeded)
            {
                AnsiConsole.MarkupLine($"Job {job.Id} succeeded.");
                return ExitCodes.Success;
            }
            Console.Error.WriteLine($"error: job {job.Id} {job.State}{(job.Error is null ? "." : $": {job.Error}")}");
            return ExitCodes.BadInput;
        });
        return command;
    }

    private static async Task<JobStore> OpenAsync(string db, CancellationToken cancellationToken) =>
        new((await AtlasDatabase.OpenAsync(db, cancellationToken)).Database);

    private static async Task<JobRecord> GetAsync(IJobStore jobs, long id, CancellationToken cancellationToken) =>
        await jobs.GetJobAsync(id, cancellationToken) ?? throw new KeyNotFoundException($"There is no job {id}.");

    private static string Line(JobRecord job)
    {
        var progress = job.Total > 0 ? $" {job.Stage} {job.Done:N0}/{job.Total:N0}" : "";
        var shards = job.Shards > 0 ? $", shards {job.ShardsDone}/{job.Shards}" : "";
        return $"{job.Id}\t{job.Kind}\t{job.State}{progress}{shards}\t{job.CreatedAt:yyyy-MM-dd HH:mm:ss}Z{(job.Worker is null ? "" : $"\t{job.Worker}")}";
    }

    private static object ToJson(JobRecord job) => new
    {
        job.Id, job.Kind, job.State, job.Title, job.Stage, job.Done, job.Total, job.Shards, job.ShardsDone, job.Error, job.Worker,
        job.UserId, job.CreatedAt, job.StartedAt, job.FinishedAt,
    };
}
