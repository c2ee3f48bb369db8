using System.Numerics.Tensors;

namespace FeatureAtlas.Core.Kernels;

/// <summary>Numerically stable softmax over each row (max subtracted before exp).</summary>
public static class Softmax
{
    /// <summary>Softmax of each length-<paramref name="n"/> row; <paramref name="destination"/> may alias <paramref name="x"/>.</summary>
    public static void Forward(ReadOnlySpan<float> x, int n, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        if (x.Length % n != 0) throw new ArgumentException($"x has {x.Length} elements, not a multiple of n = {n}.", nameof(x));
        if (destination.Length < x.Length) throw new ArgumentException("destination is shorter than x.", nameof(destination));
        for (var r = 0; r < x.Length / n; r++) Row(x.Slice(r * n, n), destination.Slice(r * n, n));
    }

    /// <summary>Softmax of one row; used directly by attention on the causal prefix.</summary>
    public static void Row(ReadOnlySpan<float> x, Span<float> destination)
    {
        var max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, destination);
        TensorPrimitives.Exp(destination[..x.Length], destination);
        var sum = TensorPrimitives.Sum(destination[..x.Length]);
        TensorPrimitives.Multiply(destination[..x.Length], 1f / sum, destination);
    }

    /// <summary>Double-precision twin; tests only.</summary>
    internal static void Reference(ReadOnlySpan<float> x, int n, Span<float> destination)
    {
        for (var r = 0; r < x.Length / n; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (var i = 0; i < n; i++) max = Math.Max(max, x[r * n + i]);
            for (var i = 0; i < n; i++) sum += Math.Exp(x[r * n + i] - max);
            for (var i = 0; i < n; i++) destination[r * n + i] = (float)(Math.Exp(x[r * n + i] - max) / sum);
        }
    }
}
