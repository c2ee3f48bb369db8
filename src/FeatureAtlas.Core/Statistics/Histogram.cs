using System.Numerics;
using System.Numerics.Tensors;

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
        values.IsEmpty ? Empty : Fill(values, TensorPrimitives.Min(values), TensorPrimitives.Max(values), bins);

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
