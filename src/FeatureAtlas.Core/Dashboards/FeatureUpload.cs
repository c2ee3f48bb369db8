using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>One uploaded activation record: a window's tokens, the feature's activation on each, and its quantile when it samples one.</summary>
public sealed record UploadedActivation(int[] Tokens, float[] Values, float? QuantileMin = null, float? QuantileMax = null, double? QuantileFraction = null)
{
    /// <summary>An example of an activation interval (Neuronpedia's bin) rather than a top example.</summary>
    public bool IsQuantileSample => QuantileMin is not null && QuantileMax is not null;
}

/// <summary>One feature of Neuronpedia's <c>feature/upload-batch</c>: density, logit table and activation records, computed elsewhere.</summary>
public sealed record UploadedFeature(int Index, double? Density, LogitTable? Logits, IReadOnlyList<UploadedActivation> Activations);

/// <summary>
/// Dashboards made from features computed elsewhere and uploaded in batches (Neuronpedia's <c>feature/upload-batch</c>).
/// Each activation record is one example window; a record with a quantile is an example of that interval, the others
/// are top examples. Uploading a feature again adds to it: its examples join the stored ones (top examples ordered by
/// activation, intervals keyed by their bounds), and density and logits, when given, replace the stored ones.
/// </summary>
public static class FeatureUpload
{
    /// <summary>
    /// The dashboards of <paramref name="features"/>, with their example windows numbered from 0 in the order of
    /// <paramref name="windows"/>, which receives them (a window repeated in the batch is listed once).
    /// </summary>
    public static IReadOnlyList<FeatureDashboard> Build(IReadOnlyList<UploadedFeature> features, List<int[]> windows)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(windows);
        var seen = new Dictionary<int[], int>(TokenWindowComparer.Instance);
        return features.Select(feature =>
        {
            var top = new List<ActivationExample>();
            var intervals = new SortedDictionary<(float Low, float High), (double Fraction, List<ActivationExample> Examples)>();
            foreach (var activation in feature.Activations)
            {
                if (activation.Tokens.Length == 0 || activation.Tokens.Length != activation.Values.Length)
                {
                    throw new ArgumentException($"Feature {feature.Index}: an activation has {activation.Tokens.Length} tokens and {activation.Values.Length} values; they must match and not be empty.");
                }
                if (!seen.TryGetValue(activation.Tokens, out var window))
                {
                    window = windows.Count;
                    windows.Add(activation.Tokens);
                    seen[activation.Tokens] = window;
                }
                var example = Example(window, activation.Values);
                if (!activation.IsQuantileSample) top.Add(example);
                else
                {
                    var key = (activation.QuantileMin!.Value, activation.QuantileMax!.Value);
                    if (!intervals.TryGetValue(key, out var group)) intervals[key] = group = (activation.QuantileFraction ?? 0, []);
                    group.Examples.Add(example);
                }
            }
            var all = top.Concat(intervals.Values.SelectMany(g => g.Examples)).ToArray();
            return new FeatureDashboard
            {
                Index = feature.Index,
                FracNonzero = feature.Density ?? 0,
                NonzeroCount = 0,
                MaxActivation = all.Length == 0 ? 0 : all.Max(e => e.Value),
                MinNonzeroActivation = MinNonzero(all),
                ActivationHistogram = Histogram.Empty,
                Top = [.. top.OrderByDescending(e => e.Value)],
                Intervals = Number(intervals.Select(g => new IntervalExamples(0, g.Key.Low, g.Key.High, g.Value.Fraction, g.Value.Examples))),
                Logits = feature.Logits,
            };
        }).ToArray();
    }

    /// <summary>
    /// <paramref name="stored"/> with <paramref name="uploaded"/> added (both of one feature): examples joined, density
    /// and logits replaced where the upload gives them (<paramref name="densityGiven"/>).
    /// </summary>
    public static FeatureDashboard Merge(FeatureDashboard stored, FeatureDashboard uploaded, bool densityGiven)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(uploaded);
        if (stored.Index != uploaded.Index) throw new ArgumentException($"Feature {uploaded.Index} cannot be merged into feature {stored.Index}.", nameof(uploaded));
        var intervals = new SortedDictionary<(float Low, float High), IntervalExamples>();
        foreach (var interval in stored.Intervals.Concat(uploaded.Intervals))
        {
            var key = (interval.Low, interval.High);
            intervals[key] = intervals.TryGetValue(key, out var earlier)
                ? earlier with { ContainsFraction = interval.ContainsFraction, Examples = [.. earlier.Examples, .. interval.Examples] }
                : interval;
        }
        var all = stored.Top.Concat(uploaded.Top).Concat(intervals.Values.SelectMany(i => i.Examples)).ToArray();
        return stored with
        {
            FracNonzero = densityGiven ? uploaded.FracNonzero : stored.FracNonzero,
            MaxActivation = Math.Max(stored.MaxActivation, uploaded.MaxActivation),
            MinNonzeroActivation = MinNonzero(all),
            // Stable: among equal activations the stored examples stay first.
            Top = [.. stored.Top.Concat(uploaded.Top).OrderByDescending(e => e.Value)],
            Intervals = Number(intervals.Values),
            Logits = uploaded.Logits ?? stored.Logits,
        };
    }

    /// <summary>The dashboard with its example windows moved up by <paramref name="offset"/> (to where they were stored).</summary>
    public static FeatureDashboard Renumber(FeatureDashboard dashboard, int offset)
    {
        ArgumentNullException.ThrowIfNull(dashboard);
        return dashboard with
        {
            Top = [.. dashboard.Top.Select(e => e with { Window = e.Window + offset })],
            Intervals = [.. dashboard.Intervals.Select(i => i with { Examples = [.. i.Examples.Select(e => e with { Window = e.Window + offset })] })],
        };
    }

    /// <summary>The example at the window's largest activation (the first of equal ones), with its non-zero activations.</summary>
    private static ActivationExample Example(int window, float[] values)
    {
        var position = 0;
        for (var i = 1; i < values.Length; i++) if (values[i] > values[position]) position = i;
        var positions = Enumerable.Range(0, values.Length).Where(i => values[i] != 0).ToArray();
        return new ActivationExample(window, position, values[position], positions, [.. positions.Select(i => values[i])]);
    }

    private static float MinNonzero(IEnumerable<ActivationExample> examples) =>
        examples.SelectMany(e => e.Values).Where(v => v > 0).DefaultIfEmpty(0).Min();

    /// <summary>Intervals listed and numbered as a dashboard build lists them: lowest first, numbered from 0.</summary>
    private static IntervalExamples[] Number(IEnumerable<IntervalExamples> ascending) =>
        [.. ascending.Select((interval, i) => interval with { Interval = i })];
}
