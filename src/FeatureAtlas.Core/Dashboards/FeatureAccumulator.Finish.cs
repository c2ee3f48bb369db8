using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Core.Dashboards;

public sealed partial class FeatureAccumulator
{
    /// <summary>The dashboard of every feature from the state so far (logits are added separately).</summary>
    public IReadOnlyList<FeatureDashboard> Build()
    {
        var dashboards = new FeatureDashboard[Features];
        Parallel.For(0, Features, f => dashboards[f] = Build(f));
        return dashboards;
    }

    /// <summary>Bars over log10(frac_nonzero) of the live features, and the count of dead ones.</summary>
    public (Histogram LogDensity, int Dead) DensitySummary()
    {
        var logs = new List<double>();
        var dead = 0;
        foreach (var state in _states)
        {
            if (state is null) dead++;
            else logs.Add(Math.Log10((double)state.Count / TotalTokens));
        }
        return (Histogram.Of(logs.ToArray(), _options.HistogramBins), dead);
    }

    private FeatureDashboard Build(int feature)
    {
        var state = _states[feature];
        if (state is null)
        {
            return new FeatureDashboard
            {
                Index = feature, FracNonzero = 0, NonzeroCount = 0, MaxActivation = 0, MinNonzeroActivation = 0,
                ActivationHistogram = Histogram.Empty, Top = [], Intervals = [],
            };
        }

        var top = state.Top.Take(state.TopCount).Select(ToExample).ToArray();
        return new FeatureDashboard
        {
            Index = feature,
            FracNonzero = (double)state.Count / TotalTokens,
            NonzeroCount = state.Count,
            MaxActivation = state.Max,
            MinNonzeroActivation = state.Min,
            ActivationHistogram = ActivationHistogram(state),
            Top = top,
            Intervals = BuildIntervals(state),
        };
    }

    /// <summary>Fine bins (width T/256) land in the bar over [min, max] that holds their centre.</summary>
    private Histogram ActivationHistogram(FeatureState state)
    {
        var bins = _options.HistogramBins;
        var heights = new long[bins];
        for (var j = 0; j < FineBins; j++)
        {
            if (state.Fine[j] == 0) continue;
            heights[Histogram.Bar(FineCentre(j, state.Exponent), state.Min, state.Max, bins)] += state.Fine[j];
        }
        return new Histogram(Histogram.Centres(state.Min, state.Max, bins), heights);
    }

    private IReadOnlyList<IntervalExamples> BuildIntervals(FeatureState state)
    {
        var n = _options.Intervals;
        if (n == 0) return [];
        double max = state.Max;
        var candidates = new List<Entry>();
        for (var stratum = 0; stratum < SampleStrata; stratum++)
        {
            for (var k = 0; k < state.SampleCounts[stratum]; k++) candidates.Add(state.Samples[stratum * state.SamplesPerStratum + k]);
        }
        var contained = new long[n];
        for (var j = 0; j < FineBins; j++) contained[Interval(FineCentre(j, state.Exponent), max, n)] += state.Fine[j];

        var groups = new List<IntervalExamples>(n);
        for (var i = n - 1; i >= 0; i--)
        {
            var chosen = candidates.Where(c => Interval(c.Value, max, n) == i)
                .OrderBy(c => c.Key).Take(_options.ExamplesPerInterval)
                .OrderByDescending(c => c.Value).ThenBy(c => c.Window).ThenBy(c => c.Position)
                .Select(ToExample).ToArray();
            groups.Add(new IntervalExamples(i, (float)(max * i / n), (float)(max * (i + 1) / n), (double)contained[i] / TotalTokens, chosen));
        }
        return groups;
    }

    /// <summary>The interval of (0, max] holding v: ⌈v·n/max⌉ − 1, clamped to [0, n).</summary>
    internal static int Interval(double value, double max, int n) => Math.Clamp((int)Math.Ceiling(value * n / max) - 1, 0, n - 1);

    private static double FineCentre(int bin, int exponent) => Math.ScaleB(bin + 0.5, exponent) / FineBins;

    private static ActivationExample ToExample(Entry e) => new(e.Window, e.Position, e.Value, e.Vector.Positions, e.Vector.Values);
}
