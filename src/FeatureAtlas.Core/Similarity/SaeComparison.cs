using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Core.Similarity;

/// <summary>
/// Two SAEs of the same d_in compared by decoder direction: each feature's best match in the other SAE (exact
/// cosine, by <see cref="CosineSearch"/>'s blocked GEMM), the distribution of those best cosines, and the
/// features whose best match falls below a threshold (unique to their SAE). Shapes: A, B features, I d_in.
/// </summary>
public sealed record SaeComparison
{
    public required int FeaturesA { get; init; }

    public required int FeaturesB { get; init; }

    public required float Threshold { get; init; }

    /// <summary>For each feature of A: its best match in B [A] and that cosine [A].</summary>
    public required int[] BestInB { get; init; }

    public required float[] BestInBCosine { get; init; }

    /// <summary>For each feature of B: its best match in A [B] and that cosine [B].</summary>
    public required int[] BestInA { get; init; }

    public required float[] BestInACosine { get; init; }

    /// <summary>Histogram of best-match cosines on [−1, 1] in <see cref="Bins"/> equal bins, A→B and B→A.</summary>
    public required int Bins { get; init; }

    public required int[] HistogramAToB { get; init; }

    public required int[] HistogramBToA { get; init; }

    /// <summary>Pairs that are each other's best match.</summary>
    public int MutualMatches => Enumerable.Range(0, FeaturesA).Count(i => BestInA[BestInB[i]] == i);

    /// <summary>Features of A whose best match in B is below the threshold, ascending by that cosine.</summary>
    public IReadOnlyList<int> UniqueToA => Unique(BestInBCosine);

    public IReadOnlyList<int> UniqueToB => Unique(BestInACosine);

    /// <summary>Compares unit decoders A [a, d] and B [b, d] (see <see cref="SimilarFeatures.UnitDecoder"/>).</summary>
    public static SaeComparison Create(float[] unitA, int a, float[] unitB, int b, int d, float threshold = 0.7f, int bins = 20, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(unitA);
        ArgumentNullException.ThrowIfNull(unitB);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);
        var aToB = CosineSearch.TopK(unitA, a, CosineSearch.PackKeys(unitB, b, d), 1, progress: progress, cancellationToken: cancellationToken);
        var bToA = CosineSearch.TopK(unitB, b, CosineSearch.PackKeys(unitA, a, d), 1, progress: progress is null ? null : new Offset(progress, a), cancellationToken: cancellationToken);
        return new SaeComparison
        {
            FeaturesA = a, FeaturesB = b, Threshold = threshold, Bins = bins,
            BestInB = aToB.Indices, BestInBCosine = aToB.Similarities,
            BestInA = bToA.Indices, BestInACosine = bToA.Similarities,
            HistogramAToB = Counts(aToB.Similarities, bins), HistogramBToA = Counts(bToA.Similarities, bins),
        };
    }

    private static int[] Counts(float[] values, int bins)
    {
        var counts = new int[bins];
        foreach (var v in values) counts[Histogram.Bar(v, -1, 1, bins)]++;
        return counts;
    }

    private List<int> Unique(float[] best) => Enumerable.Range(0, best.Length).Where(i => best[i] < Threshold).OrderBy(i => best[i]).ThenBy(i => i).ToList();

    private sealed class Offset(IProgress<int> inner, int offset) : IProgress<int>
    {
        public void Report(int value) => inner.Report(offset + value);
    }
}
