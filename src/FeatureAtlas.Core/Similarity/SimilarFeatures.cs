using System.Numerics.Tensors;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Similarity;

/// <summary>
/// Features whose decoder directions point the same way: cosine of W_dec rows, exact. One query against an SAE
/// is a matrix–vector product over its S × I decoder (19 M multiply-adds at 24,576 × 768, a few ms), so the
/// site computes it on demand from the SAEs it already holds; whole SAEs against each other go through
/// <see cref="CosineSearch"/>'s blocked GEMM.
/// </summary>
public static class SimilarFeatures
{
    /// <summary>W_dec [S, I] with each row scaled to unit length (dead all-zero rows stay zero).</summary>
    public static float[] UnitDecoder(SparseAutoencoder sae)
    {
        ArgumentNullException.ThrowIfNull(sae);
        return CosineSearch.Normalize(sae.Parameters.WDec, sae.DSae, sae.DIn);
    }

    /// <summary>
    /// The <paramref name="k"/> features of each SAE in <paramref name="saes"/> nearest to feature
    /// <paramref name="index"/> of <paramref name="source"/> by decoder cosine, best first; the feature itself is
    /// left out of its own SAE's list. SAEs whose d_in differs from the source's are skipped.
    /// </summary>
    public static IReadOnlyList<(string Sae, IReadOnlyList<SimilarFeature> Features)> Find(SparseAutoencoder source, int index, IEnumerable<SparseAutoencoder> saes, int k = 10)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(saes);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, source.DSae);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var d = source.DIn;
        var query = new float[d];
        var norm = source.DecoderNorms[index];
        if (norm > 0) TensorPrimitives.Divide(source.Parameters.WDec.AsSpan(index * d, d), norm, query);

        var results = new List<(string, IReadOnlyList<SimilarFeature>)>();
        foreach (var sae in saes)
        {
            if (sae.DIn != d) continue;
            var scores = new float[sae.DSae];
            var wDec = sae.Parameters.WDec;
            var norms = sae.DecoderNorms;
            Parallel.For(0, (sae.DSae + 1023) / 1024, chunk =>
            {
                var end = Math.Min(sae.DSae, (chunk + 1) * 1024);
                for (var j = chunk * 1024; j < end; j++)
                {
                    scores[j] = norms[j] > 0 ? TensorPrimitives.Dot(wDec.AsSpan(j * d, d), query) / norms[j] : 0f;
                }
            });
            var count = Math.Min(k, sae.DSae - (ReferenceEquals(sae, source) ? 1 : 0));
            if (count <= 0) continue;
            var top = new int[count];
            var values = new float[count];
            CosineSearch.SelectTop(scores, ReferenceEquals(sae, source) ? index : -1, top, values);
            results.Add((sae.Name, top.Select((j, r) => new SimilarFeature(sae.Name, j, values[r])).ToArray()));
        }
        return results;
    }
}
