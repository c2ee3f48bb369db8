namespace FeatureAtlas.Core.Similarity;

/// <summary>
/// The best <see cref="K"/> matches of each query row, best first: key indexes [Rows, K] and their cosine
/// similarities [Rows, K]. A row with fewer than K candidates is padded with index −1 and similarity −∞.
/// </summary>
public sealed record CosineNeighbors(int Rows, int K, int[] Indices, float[] Similarities)
{
    public ReadOnlySpan<int> IndicesOf(int row) => Indices.AsSpan(row * K, K);

    public ReadOnlySpan<float> SimilaritiesOf(int row) => Similarities.AsSpan(row * K, K);
}
