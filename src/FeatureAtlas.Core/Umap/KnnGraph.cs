namespace FeatureAtlas.Core.Umap;

/// <summary>
/// A k-nearest-neighbour graph as umap-learn holds it: for each of <see cref="Points"/> points, <see cref="K"/>
/// neighbours nearest first, the point itself first at distance 0. Indices [Points, K], cosine distances
/// (1 − cos) [Points, K]; a missing neighbour is index −1, distance +∞.
/// </summary>
public sealed record KnnGraph(int Points, int K, int[] Indices, float[] Distances)
{
    public ReadOnlySpan<int> NeighborsOf(int point) => Indices.AsSpan(point * K, K);

    public ReadOnlySpan<float> DistancesOf(int point) => Distances.AsSpan(point * K, K);

    /// <summary>Mean fraction of each point's true neighbours (self excluded) that this graph found.</summary>
    public double Recall(KnnGraph exact)
    {
        ArgumentNullException.ThrowIfNull(exact);
        if (exact.Points != Points || exact.K != K) throw new ArgumentException($"Graphs differ in shape: [{Points}, {K}] vs [{exact.Points}, {exact.K}].", nameof(exact));
        long found = 0;
        for (var i = 0; i < Points; i++)
        {
            var mine = NeighborsOf(i)[1..];
            foreach (var j in exact.NeighborsOf(i)[1..]) if (mine.Contains(j)) found++;
        }
        return (double)found / ((long)Points * (K - 1));
    }
}
