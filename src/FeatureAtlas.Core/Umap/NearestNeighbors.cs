using FeatureAtlas.Core.Similarity;

namespace FeatureAtlas.Core.Umap;

/// <summary>
/// k-nearest-neighbour graphs of unit vectors under cosine distance: exact by blocked GEMM
/// (<see cref="Exact"/>), or approximate by NN-descent (<see cref="Descent"/>, Dong, Moses &amp; Li 2011, seeded by a
/// random-projection forest as pynndescent is). Shapes: N points, D dims, K neighbours (self included).
/// </summary>
public static partial class NearestNeighbors
{
    /// <summary>The exact graph: all N² cosines through the SGEMM kernel, in row blocks of bounded memory.</summary>
    public static KnnGraph Exact(ReadOnlySpan<float> unit, int n, int d, int k)
    {
        Check(unit, n, d, k);
        var others = CosineSearch.TopK(unit, n, CosineSearch.PackKeys(unit, n, d), Math.Min(k - 1, Math.Max(n - 1, 1)), excludeSelf: true);
        return WithSelf(n, k, others.K, others.Indices, others.Similarities, similarity: true);
    }

    private static void Check(ReadOnlySpan<float> unit, int n, int d, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 2);
        if (unit.Length < (long)n * d) throw new ArgumentException($"vectors needs [{n}, {d}] elements, has {unit.Length}.", nameof(unit));
    }

    /// <summary>Prepends each point to its own list at distance 0, converting similarities to distances if asked.</summary>
    private static KnnGraph WithSelf(int n, int k, int found, int[] indices, float[] values, bool similarity)
    {
        var graphIndices = new int[(long)n * k];
        var distances = new float[(long)n * k];
        for (var i = 0; i < n; i++)
        {
            graphIndices[i * k] = i;
            distances[i * k] = 0f;
            for (var s = 1; s < k; s++)
            {
                var j = s - 1 < found ? indices[i * found + s - 1] : -1;
                graphIndices[i * k + s] = j;
                distances[i * k + s] = j < 0 ? float.PositiveInfinity
                    : Math.Max(0f, similarity ? 1f - values[i * found + s - 1] : values[i * found + s - 1]);
            }
        }
        return new KnnGraph(n, k, graphIndices, distances);
    }
}
