using System.Diagnostics;
using FeatureAtlas.Jobs;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// A Spectre progress bar for a job's <see cref="JobProgress"/> reports, with rate and ETA per stage, that fits one
/// line of the terminal (80 columns included); without a terminal, <see cref="ProgressLines"/> on stderr.
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>Columns beside the description: bar, percentage, remaining time, spinner, and the gaps between them.</summary>
    private const int BarWidth = 20;
    private const int FixedColumns = BarWidth + 5 + 9 + 2 + 5;

    public static async Task<T> RunAsync<T>(string title, Func<IProgress<JobProgress>, Task<T>> job)
    {
        // Without a terminal (CI, pipes) a live bar would only print noise; report progress as lines instead.
        if (Console.IsOutputRedirected)
        {
            var watch = Stopwatch.StartNew();
            var lines = new ProgressLines(title, Console.Error, () => watch.Elapsed);
            return await job(new SynchronousProgress(lines.Report));
        }

        return await Bars().StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var watch = Stopwatch.StartNew();
                long startDone = -1;
                var reporter = new SynchronousProgress(p =>
                {
                    if (!tasks.TryGetValue(p.Stage, out var task)) tasks[p.Stage] = task = context.AddTask(Fit($"{title}: {p.Stage}"), maxValue: Math.Max(1, p.Total));
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    if (p.Stage is "tokens" or "features")
                    {
                        if (startDone < 0) startDone = p.Done;
                        var rate = (p.Done - startDone) / Math.Max(1e-3, watch.Elapsed.TotalSeconds);
                        task.Description = Fit($"{title}: {p.Done:N0}/{p.Total:N0} {p.Stage}, {rate:N0}/s");
                    }
                });
                return await job(reporter);
            });
    }

    /// <summary>The progress layout every command uses: a bar narrow enough that the whole row fits the terminal.</summary>
    internal static Progress Bars() => AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = BarWidth }, new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn());

    /// <summary>A description cut (with "…") to what the terminal leaves beside the bar's columns, escaped for markup.</summary>
    internal static string Fit(string description) => Markup.Escape(Fit(description, AnsiConsole.Profile.Width - FixedColumns));

    internal static string Fit(string description, int width)
    {
        width = Math.Max(10, width);
        return description.Length <= width ? description : description[..(width - 1)] + "…";
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to a thread-pool context).</summary>
    private sealed class SynchronousProgress(Action<JobProgress> report) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => report(value);
    }
}
