using System.Numerics.Tensors;
using FeatureAtlas.Core.Kernels;

namespace FeatureAtlas.Core.Similarity;

/// <summary>
/// Exact top-k cosine search of unit row vectors: the key matrix is packed once as the GEMM's B, queries run in
/// blocks of rows so the similarity block C [block, N] stays under <see cref="BlockFloats"/> floats (64 MiB)
/// whatever N is, and each row of C is scanned for its top k against a running threshold. Ties go to the lower
/// key index, and every element of C is computed by the same micro-kernel whichever thread runs it, so the
/// result does not depend on the thread count. Shapes: M queries, N keys, D dims.
/// </summary>
public static class CosineSearch
{
    /// <summary>Largest similarity block held at once (16 M floats = 64 MiB).</summary>
    public const int BlockFloats = 1 << 24;

    /// <summary>Rows scaled to unit L2 norm (a zero row stays zero), into a new array [rows, d].</summary>
    public static float[] Normalize(ReadOnlySpan<float> vectors, int rows, int d)
    {
        if (vectors.Length < (long)rows * d) throw new ArgumentException($"vectors needs [{rows}, {d}] elements, has {vectors.Length}.", nameof(vectors));
        var unit = new float[(long)rows * d];
        for (var i = 0; i < rows; i++)
        {
            var row = vectors.Slice(i * d, d);
            var norm = TensorPrimitives.Norm(row);
            if (norm > 0f) TensorPrimitives.Divide(row, norm, unit.AsSpan(i * d, d));
        }
        return unit;
    }

    /// <summary>Packs unit keys [n, d] as the GEMM's right-hand side (keysᵀ), once for any number of searches.</summary>
    public static PackedMatrix PackKeys(ReadOnlySpan<float> keys, int n, int d) => PackedMatrix.PackTransposed(keys, d, n);

    /// <summary>
    /// For each unit query [m, d], the <paramref name="k"/> unit keys with the highest cosine. With
    /// <paramref name="excludeSelf"/> the queries are the keys (m = n) and query i never matches key i.
    /// <paramref name="progress"/> receives the queries done so far after each block.
    /// </summary>
    public static CosineNeighbors TopK(ReadOnlySpan<float> queries, int m, PackedMatrix keys, int k, bool excludeSelf = false, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        int d = keys.Rows, n = keys.Columns;
        if (queries.Length < (long)m * d) throw new ArgumentException($"queries needs [{m}, {d}] elements, has {queries.Length}.", nameof(queries));
        if (excludeSelf && m != n) throw new ArgumentException($"excludeSelf needs the queries to be the keys, but there are {m} queries and {n} keys.", nameof(excludeSelf));

        var indices = new int[(long)m * k];
        var similarities = new float[(long)m * k];
        var blockRows = Math.Clamp(BlockFloats / n, 8, 1024);
        var block = new float[(long)Math.Min(blockRows, Math.Max(m, 1)) * n];
        for (var row0 = 0; row0 < m; row0 += blockRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(blockRows, m - row0);
            Sgemm.Multiply(queries.Slice(row0 * d, rows * d), keys, block, rows);
            var start = row0;
            Parallel.For(0, rows, r =>
            {
                var exclude = excludeSelf ? start + r : -1;
                SelectTop(block.AsSpan(r * n, n), exclude, indices.AsSpan((start + r) * k, k), similarities.AsSpan((start + r) * k, k));
            });
            progress?.Report(row0 + rows);
        }
        return new CosineNeighbors(m, k, indices, similarities);
    }

    /// <summary>Top k of one row of scores, best first, ties to the lower index; <paramref name="exclude"/> is skipped (−1: none).</summary>
    internal static void SelectTop(ReadOnlySpan<float> scores, int exclude, Span<int> indices, Span<float> values)
    {
        var k = indices.Length;
        indices.Fill(-1);
        values.Fill(float.NegativeInfinity);
        var filled = 0;
        var worst = float.NegativeInfinity;
        for (var j = 0; j < scores.Length; j++)
        {
            var s = scores[j];
            // Strictly better than the k-th: an equal score comes later, so the earlier index keeps its place.
            if (filled == k && !(s > worst)) continue;
            if (j == exclude || float.IsNaN(s)) continue;
            var p = filled < k ? filled++ : k - 1;
            while (p > 0 && s > values[p - 1])
            {
                values[p] = values[p - 1];
                indices[p] = indices[p - 1];
                p--;
            }
            values[p] = s;
            indices[p] = j;
            worst = values[k - 1];
        }
    }
}
