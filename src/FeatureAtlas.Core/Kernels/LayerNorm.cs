using System.Numerics.Tensors;

namespace FeatureAtlas.Core.Kernels;

/// <summary>
/// PyTorch LayerNorm over the last axis: (x − μ)/√(σ² + ε)·γ + β with the biased variance. The normalised
/// value before γ and β is TransformerLens's <c>hook_normalized</c>, so callers may ask for it separately.
/// </summary>
public static class LayerNorm
{
    /// <summary>
    /// Normalises each row of <paramref name="x"/> [rows, d] into <paramref name="destination"/>; empty
    /// <paramref name="gain"/> and <paramref name="bias"/> mean LNPre (TransformerLens after fold_ln).
    /// <paramref name="normalized"/> (optional, [rows, d]) receives the value before gain and bias, and
    /// <paramref name="scale"/> (optional, [rows]) each row's √(σ² + ε), TransformerLens's <c>hook_scale</c>.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gain, ReadOnlySpan<float> bias, float epsilon, int d,
        Span<float> destination, Span<float> normalized = default, Span<float> scale = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        if (x.Length % d != 0) throw new ArgumentException($"x has {x.Length} elements, not a multiple of d = {d}.", nameof(x));
        if (destination.Length < x.Length) throw new ArgumentException("destination is shorter than x.", nameof(destination));
        if (!gain.IsEmpty && gain.Length != d) throw new ArgumentException($"gain needs {d} elements, has {gain.Length}.", nameof(gain));
        if (!bias.IsEmpty && bias.Length != d) throw new ArgumentException($"bias needs {d} elements, has {bias.Length}.", nameof(bias));
        if (!normalized.IsEmpty && normalized.Length < x.Length) throw new ArgumentException("normalized is shorter than x.", nameof(normalized));
        if (!scale.IsEmpty && scale.Length < x.Length / d) throw new ArgumentException($"scale needs {x.Length / d} elements.", nameof(scale));

        var rows = x.Length / d;
        for (var r = 0; r < rows; r++)
        {
            var row = x.Slice(r * d, d);
            var output = destination.Slice(r * d, d);
            // Two passes (mean, then centred squares) keep f32 accuracy where E[x²] − μ² would cancel.
            var mean = TensorPrimitives.Sum(row) / d;
            TensorPrimitives.Subtract(row, mean, output);
            var variance = TensorPrimitives.Dot(output, output) / d;
            var sigma = MathF.Sqrt(variance + epsilon);
            if (!scale.IsEmpty) scale[r] = sigma;
            var inverse = 1f / sigma;
            TensorPrimitives.Multiply(output, inverse, output);
            if (!normalized.IsEmpty) output.CopyTo(normalized.Slice(r * d, d));
            if (!gain.IsEmpty) TensorPrimitives.Multiply(output, gain, output);
            if (!bias.IsEmpty) TensorPrimitives.Add(output, bias, output);
        }
    }

    /// <summary>The plain per-element twin of <see cref="Forward"/>, in double precision; tests only.</summary>
    internal static void Reference(ReadOnlySpan<float> x, ReadOnlySpan<float> gain, ReadOnlySpan<float> bias, float epsilon, int d, Span<float> destination)
    {
        for (var r = 0; r < x.Length / d; r++)
        {
            double mean = 0, variance = 0;
            for (var i = 0; i < d; i++) mean += x[r * d + i];
            mean /= d;
            for (var i = 0; i < d; i++) variance += (x[r * d + i] - mean) * (x[r * d + i] - mean);
            variance /= d;
            for (var i = 0; i < d; i++)
            {
                var y = (x[r * d + i] - mean) / Math.Sqrt(variance + epsilon);
                if (!gain.IsEmpty) y *= gain[i];
                if (!bias.IsEmpty) y += bias[i];
                destination[r * d + i] = (float)y;
            }
        }
    }
}
