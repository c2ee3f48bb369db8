namespace FeatureAtlas.Core.Training;

/// <summary>The mean and the geometric median (Weiszfeld's algorithm, as SAELens's compute_geometric_median) of rows [N, I].</summary>
public static class GeometricMedian
{
    public static float[] Mean(ReadOnlySpan<float> rows, int count, int width)
    {
        var sum = new double[width];
        for (var r = 0; r < count; r++)
        {
            for (var d = 0; d < width; d++) sum[d] += rows[r * width + d];
        }
        return sum.Select(v => (float)(v / count)).ToArray();
    }

    /// <summary>argmin_y Σ_r ‖x_r − y‖ by at most <paramref name="iterations"/> Weiszfeld steps from the mean, in float64.</summary>
    public static float[] Compute(ReadOnlySpan<float> rows, int count, int width, int iterations = 100, double tolerance = 1e-7)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var y = Mean(rows, count, width).Select(v => (double)v).ToArray();
        var next = new double[width];
        for (var it = 0; it < iterations; it++)
        {
            Array.Clear(next);
            double weights = 0;
            for (var r = 0; r < count; r++)
            {
                var row = rows.Slice(r * width, width);
                double distance = 0;
                for (var d = 0; d < width; d++)
                {
                    var e = row[d] - y[d];
                    distance += e * e;
                }
                var weight = 1.0 / Math.Max(Math.Sqrt(distance), 1e-8);
                weights += weight;
                for (var d = 0; d < width; d++) next[d] += weight * row[d];
            }
            double change = 0, size = 0;
            for (var d = 0; d < width; d++)
            {
                var value = next[d] / weights;
                change += (value - y[d]) * (value - y[d]);
                size += value * value;
                y[d] = value;
            }
            if (Math.Sqrt(change) <= tolerance * Math.Max(1.0, Math.Sqrt(size))) break;
        }
        return y.Select(v => (float)v).ToArray();
    }
}
