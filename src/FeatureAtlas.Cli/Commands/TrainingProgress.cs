using System.Diagnostics;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// The progress of a training run counted in steps and tokens (train-lm, train-lens): a bar with tokens/s, the
/// command's own figures and ETA; plain lines every 10 s on stderr without a terminal. Rates count from the first
/// step this process ran (a resumed run starts part-way).
/// </summary>
internal static class TrainingProgress
{
    /// <summary>Where a run stands: steps and tokens done of all.</summary>
    public readonly record struct Position(int Step, int Steps, long Tokens, long TotalTokens);

    public static async Task<T> RunAsync<TProgress, T>(string title, Func<IProgress<TProgress>, Task<T>> job, Func<TProgress, Position> position,
        Func<TProgress, string> figures)
    {
        var watch = Stopwatch.StartNew();
        long startTokens = -1;
        string Describe(TProgress report, Position p)
        {
            if (startTokens < 0) startTokens = p.Tokens - p.Tokens / Math.Max(1, p.Step);
            var rate = (p.Tokens - startTokens) / Math.Max(1e-3, watch.Elapsed.TotalSeconds);
            return $"step {p.Step:N0}/{p.Steps:N0}, {rate:N0} tokens/s, {figures(report)}";
        }
        if (Console.IsOutputRedirected)
        {
            var last = TimeSpan.Zero;
            return await job(new Reporter<TProgress>(report =>
            {
                var p = position(report);
                var line = Describe(report, p);
                if (watch.Elapsed - last < TimeSpan.FromSeconds(10) && p.Step != p.Steps) return;
                last = watch.Elapsed;
                var remaining = p.Tokens > startTokens ? TimeSpan.FromSeconds((p.TotalTokens - p.Tokens) * watch.Elapsed.TotalSeconds / Math.Max(1, p.Tokens - startTokens)) : TimeSpan.Zero;
                Console.Error.WriteLine($"{title}: {line}, ETA {remaining:hh\\:mm\\:ss}");
            }));
        }
        return await ProgressDisplay.Bars().StartAsync(async context =>
        {
            ProgressTask? task = null;
            return await job(new Reporter<TProgress>(report =>
            {
                var p = position(report);
                task ??= context.AddTask(title, maxValue: p.TotalTokens);
                task.Value = p.Tokens;
                task.Description = ProgressDisplay.Fit($"{title}: {Describe(report, p)}");
            }));
        });
    }

    private sealed class Reporter<TValue>(Action<TValue> report) : IProgress<TValue>
    {
        public void Report(TValue value) => report(value);
    }
}
