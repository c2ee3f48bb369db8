using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FeatureAtlas.Core.Statistics;

/// <summary>
/// Equal-width bars: centres and counts (SAE-Vis/Neuronpedia bar_values / bar_heights). Dashboards draw activations,
/// logits and densities with it; SAE comparisons bin best-match cosines with <see cref="Bar"/>.
/// </summary>
public sealed record Histogram(double[] BarValues, long[] BarHeights)
{
    public static Histogram Empty { get; } = new([], []);

    /// <summary>Exact histogram of <paramref name="values"/> with <paramref name="bins"/> equal bars over [min, max].</summary>
    public static Histogram Of(ReadOnlySpan<double> values, int bins) =>
        values.IsEmpty ? Empty : Fill(values, TensorPrimitives.Min(values), TensorPrimitives.Max(values), bins);

    /// <summary>The same for float values (a logit row of 50,257), without widening them to a copy first.</summary>
    public static Histogram Of(ReadOnlySpan<float> values, int bins) =>
        values.IsEmpty ? Empty : Of(values, TensorPrimitives.Min(values), TensorPrimitives.Max(values), bins);

    /// <summary>
    /// As <see cref="Of(ReadOnlySpan{float}, int)"/> when the caller already knows the values' <paramref name="min"/> and
    /// <paramref name="max"/> (a logit row's extremes). Bars are computed four at a time with the same double operations
    /// as <see cref="Bar"/>, so every value lands in the bar the scalar rule gives it.
    /// </summary>
    public static Histogram Of(ReadOnlySpan<float> values, float min, float max, int bins)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);
        if (values.IsEmpty) return Empty;
        double low = min, high = max;
        var heights = new long[bins];
        if (!(high > low))
        {
            heights[0] = values.Length;
            return new Histogram(Centres(low, high, bins), heights);
        }
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var start = Vector256.Create(low);
            var range = Vector256.Create(high - low);
            var scale = Vector256.Create((double)bins);
            var last = Vector256.Create((double)(bins - 1));
            ref var first = ref MemoryMarshal.GetReference(values);
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref first, (nuint)i));
                // value ≥ min, so only the top clamps: max itself falls in the last bar, as in Bar.
                var lowerBars = Vector256.Min(Vector256.Floor((lower - start) / range * scale), last);
                var upperBars = Vector256.Min(Vector256.Floor((upper - start) / range * scale), last);
                for (var j = 0; j < Vector256<double>.Count; j++)
                {
                    heights[(int)lowerBars.GetElement(j)]++;
                    heights[(int)upperBars.GetElement(j)]++;
                }
            }
        }
        for (; i < values.Length; i++) heights[Bar(values[i], low, high, bins)]++;
        return new Histogram(Centres(low, high, bins), heights);
    }

    private static Histogram Fill<T>(ReadOnlySpan<T> values, double min, double max, int bins) where T : INumberBase<T>
    {
        var heights = new long[bins];
        foreach (var v in values) heights[Bar(double.CreateTruncating(v), min, max, bins)]++;
        return new Histogram(Centres(min, max, bins), heights);
    }

    /// <summary>The bar holding <paramref name="value"/> in <paramref name="bins"/> equal bars over [min, max].</summary>
    public static int Bar(double value, double min, double max, int bins) =>
        max > min ? Math.Clamp((int)Math.Floor((value - min) / (max - min) * bins), 0, bins - 1) : 0;

    public static double[] Centres(double min, double max, int bins) =>
        Enumerable.Range(0, bins).Select(i => min + (i + 0.5) * (max - min) / bins).ToArray();
}
