using System.Numerics.Tensors;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Circuits;

/// <summary>
/// What an SAE feature writes into its hook on two runs of the same length (clean and corrupted), position by
/// position: feature i writes k_p·W_dec[i] at position p (<see cref="SparseAutoencoder.WriteCoefficient"/>), so
/// patching it clean → corrupted adds (k_clean,p − k_corrupted,p)·W_dec[i] at every position. I is the SAE's d_in.
/// </summary>
internal static class FeatureWrites
{
    /// <summary>Every feature active at some position of either run, with its coefficient difference per position [T].</summary>
    public static SortedDictionary<int, float[]> Coefficients(SparseAutoencoder sae, float[] clean, float[] corrupted, int t)
    {
        var n = sae.DIn;
        var result = new SortedDictionary<int, float[]>();
        var f = new float[sae.DSae];
        foreach (var (x, sign) in new[] { (clean, 1f), (corrupted, -1f) })
        {
            for (var p = 0; p < t; p++)
            {
                var scale = sae.EncodeRow(x.AsSpan(p * n, n), f);
                for (var i = 0; i < f.Length; i++)
                {
                    if (!(f[i] > 0f)) continue;
                    if (!result.TryGetValue(i, out var k)) result[i] = k = new float[t];
                    k[p] += sign * sae.WriteCoefficient(i, f[i], scale);
                }
            }
        }
        return result;
    }

    /// <summary>Σ_p k_p·(W_dec[i] · g_p): the first-order change of the metric whose hook gradient is <paramref name="gradient"/> [T·I].</summary>
    public static double Dot(SparseAutoencoder sae, int index, float[] coefficients, float[] gradient, int t)
    {
        var n = sae.DIn;
        var row = sae.Parameters.WDec.AsSpan(index * n, n);
        double sum = 0;
        for (var p = 0; p < t; p++)
        {
            if (coefficients[p] != 0f) sum += coefficients[p] * (double)TensorPrimitives.Dot(row, gradient.AsSpan(p * n, n));
        }
        return sum;
    }

    /// <summary>The patch itself [T·I]: (k_clean,p − k_corrupted,p)·W_dec[i] at each position.</summary>
    public static float[] Delta(SparseAutoencoder sae, int index, float[] k, int t)
    {
        var n = sae.DIn;
        var row = sae.Parameters.WDec.AsSpan(index * n, n);
        var delta = new float[t * n];
        for (var p = 0; p < t; p++) TensorPrimitives.Multiply(row, k[p], delta.AsSpan(p * n, n));
        return delta;
    }
}
