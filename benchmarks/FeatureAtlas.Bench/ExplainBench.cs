using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Explain;
using FeatureAtlas.Core.Statistics;
using FeatureAtlas.Jobs;
using Spectre.Console;
using FeatureAtlas.Cli.Commands;

namespace FeatureAtlas.Bench;

/// <summary>
/// <c>explain</c>: offline explain + score (+ the baseline) of every feature of a SYNTHETIC SAE's
/// dashboards (random corpus, 20 top + 5×5 interval examples of 128-token windows, a 64-window negative pool),
/// in memory on all cores: the figure the explain job's compute costs, without the database.
/// </summary>
internal static class ExplainBench
{
    public static Command Create()
    {
        var features = new Option<int>("--features") { Description = "Synthetic features.", DefaultValueFactory = _ => 24_576 };
        var windows = new Option<int>("--windows") { Description = "Corpus windows of 128 tokens.", DefaultValueFactory = _ => 1_600 };
        var json = CliOptions.Json();
        var command = new Command("explain", "Offline explain + score time for every feature of a synthetic SAE.") { features, windows, json };
        command.SetAction(parse =>
        {
            var (n, w) = (parse.GetValue(features), parse.GetValue(windows));
            if (n <= 0 || w < 100) throw new UsageException("--features must be positive and --windows at least 100.");
            const int length = 128, vocab = 50257;
            var random = new Random(0);
            var corpus = Enumerable.Range(0, w).Select(_ => new[] { 50256 }.Concat(Enumerable.Range(0, length - 1).Select(_ => random.Next(vocab))).ToArray()).ToArray();
            var byIndex = Enumerable.Range(0, w).ToDictionary(i => i, i => corpus[i]);
            var dashboards = Enumerable.Range(0, n).Select(f => Synthetic(f, corpus, random)).ToArray();

            var watch = Stopwatch.StartNew();
            var counts = CorpusTokenCounts.Create(corpus, vocab, 50256);
            var pool = NegativePool.AssumedZero(Enumerable.Range(0, 64).ToArray(), corpus.Take(64).ToArray(), n);
            var explainer = new TokenStatsExplainer(counts, t => $"t{t}", new ExplainOptions());
            var setup = watch.Elapsed.TotalSeconds;
            var explained = 0;
            Parallel.ForEach(dashboards, d =>
            {
                if (ExplainJob.ExplainOffline(d, byIndex, pool, explainer, t => $"t{t}", 0) is not null) Interlocked.Increment(ref explained);
            });
            var total = watch.Elapsed.TotalSeconds;
            var report = new JsonObject
            {
                ["synthetic"] = true, ["features"] = n, ["explained"] = explained, ["threads"] = Environment.ProcessorCount,
                ["setup_seconds"] = setup, ["explain_and_score_seconds"] = total - setup, ["total_seconds"] = total, ["features_per_second"] = n / total,
            };
            if (parse.GetValue(json)) Console.WriteLine(report.ToJsonString());
            else foreach (var (key, value) in report) AnsiConsole.MarkupLine($"{Markup.Escape(key)}: {Markup.Escape(value?.ToJsonString() ?? "")}");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A feature that fires on one token (value 1–10) in 45 distinct windows, with a few random extra activations.</summary>
    private static FeatureDashboard Synthetic(int index, int[][] corpus, Random random)
    {
        ActivationExample Example(int window)
        {
            var position = random.Next(1, 128);
            var positions = new SortedSet<int> { position, random.Next(1, 128), random.Next(1, 128) }.ToArray();
            var values = positions.Select(p => p == position ? (float)(1 + random.NextDouble() * 9) : (float)random.NextDouble()).ToArray();
            return new ActivationExample(window, position, values[Array.IndexOf(positions, position)], positions, values);
        }
        var windows = Enumerable.Range(0, 45).Select(_ => random.Next(64, corpus.Length)).Distinct().ToArray();
        var examples = windows.Select(Example).OrderByDescending(e => e.Value).ToArray();
        return new FeatureDashboard
        {
            Index = index, FracNonzero = 1e-3, NonzeroCount = 100, MaxActivation = examples[0].Value, MinNonzeroActivation = 0.01f,
            ActivationHistogram = Histogram.Empty, Top = examples.Take(20).ToArray(),
            Intervals = examples.Skip(20).Chunk(5).Select((g, i) => new IntervalExamples(4 - i, 0, 1, 0.001, g)).ToArray(),
        };
    }
}
