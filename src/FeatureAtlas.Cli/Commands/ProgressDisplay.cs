using System.Diagnostics;
using FeatureAtlas.Jobs;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>A Spectre progress bar for a job's <see cref="JobProgress"/> reports: rate and ETA per stage.</summary>
internal static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(string title, Func<IProgress<JobProgress>, Task<T>> job)
    {
        // Without a terminal (CI, pipes) a live bar would only print noise; report stages as lines instead.
        if (Console.IsOutputRedirected)
        {
            var last = "";
            var lines = new Progress<JobProgress>(p =>
            {
                if (p.Stage == last) return;
                last = p.Stage;
                Console.Error.WriteLine($"{title}: {p.Stage}...");
            });
            return await job(lines);
        }

        return await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var watch = Stopwatch.StartNew();
                long startDone = -1;
                var reporter = new SynchronousProgress(p =>
                {
                    if (!tasks.TryGetValue(p.Stage, out var task)) tasks[p.Stage] = task = context.AddTask(p.Stage, maxValue: Math.Max(1, p.Total));
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    if (p.Stage is "tokens" or "features")
                    {
                        if (startDone < 0) startDone = p.Done;
                        var rate = (p.Done - startDone) / Math.Max(1e-3, watch.Elapsed.TotalSeconds);
                        task.Description = $"{title}: {p.Done:N0}/{p.Total:N0} {p.Stage}, {rate:N0} {p.Stage}/s";
                    }
                });
                return await job(reporter);
            });
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to a thread-pool context).</summary>
    private sealed class SynchronousProgress(Action<JobProgress> report) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => report(value);
    }
}
