using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.TestSupport;

/// <summary>
/// Seeded dashboards shaped like the builder's: sparse examples of about <c>nonzero</c> activations per window,
/// activation histograms over [min, max], interval groups from the highest down, logit tables whose histogram
/// spans the extreme logits. Every <c>deadEvery</c>-th feature is dead (no examples, empty histogram); unless
/// <c>fullIntervals</c>, about one interval in six has no examples.
/// </summary>
public static class SyntheticDashboards
{
    public static SaeDashboards Create(
        int features, int seed, int windows, int context = 128, int top = 20, int intervals = 5, int perInterval = 5,
        int nonzero = 8, int deadEvery = 0, int vocab = 1000, bool logits = true, bool fullIntervals = false, string hook = "blocks.8.hook_resid_pre",
        bool tables = false)
    {
        var random = new Random(seed);
        var tableRandom = new Random(seed + 7919);   // its own stream: dashboards without tables stay as they were
        var list = new FeatureDashboard[features];
        var logDensities = new List<double>();
        var dead = 0;
        for (var f = 0; f < features; f++)
        {
            if (deadEvery > 0 && f % deadEvery == deadEvery - 1)
            {
                dead++;
                list[f] = new FeatureDashboard
                {
                    Index = f, FracNonzero = 0, NonzeroCount = 0, MaxActivation = 0, MinNonzeroActivation = 0,
                    ActivationHistogram = Histogram.Empty, Top = [], Intervals = [],
                    Logits = logits ? Logits(random, vocab) : null,
                };
                continue;
            }
            var min = (float)(random.NextDouble() * 0.1);
            var max = min + (float)(random.NextDouble() * 20 + 0.01);
            var count = random.Next(1, 100_000);
            var frac = count / (double)(windows * context);
            logDensities.Add(Math.Log10(frac));
            var heights = Enumerable.Range(0, 50).Select(_ => (long)random.Next(0, 5000)).ToArray();
            var groups = new List<IntervalExamples>(intervals);
            for (var i = intervals - 1; i >= 0; i--)
            {
                var lo = (float)(max * i / intervals);
                var hi = (float)(max * (i + 1) / intervals);
                groups.Add(new IntervalExamples(i, lo, hi, random.NextDouble() * 0.01, Examples(random, fullIntervals || random.Next(0, perInterval + 1) != 0 ? perInterval : 0, windows, context, nonzero, lo, hi)));
            }
            list[f] = new FeatureDashboard
            {
                Index = f,
                FracNonzero = frac,
                NonzeroCount = count,
                MaxActivation = max,
                MinNonzeroActivation = min,
                ActivationHistogram = new Histogram(Histogram.Centres(min, max, 50), heights),
                Top = Examples(random, top, windows, context, nonzero, max / 2, max),
                Intervals = groups,
                Logits = logits ? Logits(random, vocab) : null,
                Tables = tables ? Tables(tableRandom, features) : null,
            };
        }
        return new SaeDashboards
        {
            SaeName = "sae",
            HookName = hook,
            TotalTokens = (long)windows * context,
            Windows = windows,
            LogDensityHistogram = Histogram.Of(logDensities.ToArray(), 50),
            DeadFeatures = dead,
            Features = list,
        };
    }

    /// <summary>Examples by value descending; each window's sparse vector holds the highlighted value.</summary>
    private static ActivationExample[] Examples(Random random, int n, int windows, int context, int nonzero, float lo, float hi)
    {
        var examples = new ActivationExample[n];
        for (var k = 0; k < n; k++)
        {
            var position = random.Next(1, context);
            var positions = new SortedSet<int> { position };
            var wanted = Math.Max(1, nonzero + random.Next(-3, 4));
            while (positions.Count < Math.Min(wanted, context - 1)) positions.Add(random.Next(1, context));
            var ordered = positions.ToArray();
            var values = ordered.Select(_ => (float)(random.NextDouble() * hi)).ToArray();
            var value = lo + (float)random.NextDouble() * (hi - lo);
            values[Array.IndexOf(ordered, position)] = value;
            examples[k] = new ActivationExample(random.Next(windows), position, value, ordered, values);
        }
        return examples.OrderByDescending(e => e.Value).ThenBy(e => e.Window).ThenBy(e => e.Position).ToArray();
    }

    /// <summary>A logit table as FeatureLogits makes one: extremes of a random logit vector and its histogram.</summary>
    private static LogitTable Logits(Random random, int vocab)
    {
        var all = Enumerable.Range(0, vocab).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var order = Enumerable.Range(0, vocab).OrderByDescending(i => all[i]).ThenBy(i => i).ToArray();
        var positive = order.Take(10).ToArray();
        var negative = Enumerable.Range(0, vocab).OrderBy(i => all[i]).ThenBy(i => i).Take(10).ToArray();
        return new LogitTable(
            positive, positive.Select(i => all[i]).ToArray(), negative, negative.Select(i => all[i]).ToArray(),
            Histogram.Of(all.Select(v => (double)v).ToArray(), 50));
    }

    /// <summary>Windows of random tokens, BOS first, as a corpus for the dashboards to point into.</summary>
    /// <summary>Three rows per table, values descending as the builder sorts them; correlated features other than the feature itself.</summary>
    private static FeatureTables Tables(Random random, int features)
    {
        float[] Descending() => [.. Enumerable.Range(0, 3).Select(_ => (float)Math.Round(random.NextDouble(), 4)).OrderDescending()];
        int[] Distinct(int below) => [.. Enumerable.Range(0, below).OrderBy(_ => random.Next()).Take(3)];
        return new FeatureTables
        {
            NeuronAlignmentIndices = Distinct(768), NeuronAlignmentValues = Descending(), NeuronAlignmentL1 = [.. Descending().Select(v => v / 10)],
            CorrelatedNeuronsIndices = Distinct(768), CorrelatedNeuronsPearson = Descending(), CorrelatedNeuronsCosine = Descending(),
            CorrelatedFeaturesIndices = Distinct(features), CorrelatedFeaturesPearson = Descending(), CorrelatedFeaturesCosine = Descending(),
        };
    }

    public static IEnumerable<int[]> Windows(int count, int context, int seed)
    {
        var random = new Random(seed);
        for (var w = 0; w < count; w++)
        {
            var window = new int[context];
            window[0] = 50256;
            for (var t = 1; t < context; t++) window[t] = random.Next(50257);
            yield return window;
        }
    }
}
