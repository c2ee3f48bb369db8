namespace FeatureAtlas.Core.Statistics;

/// <summary>
/// The Mann–Whitney U (Wilcoxon rank-sum) test of "members score higher than the rest", on ranks computed once per
/// score vector and shared by every member set: average ranks for ties, the normal approximation with the tie
/// correction and a continuity correction of ½ (SciPy's <c>mannwhitneyu(x, y, alternative="greater",
/// method="asymptotic")</c>).
/// </summary>
public sealed class RankSum
{
    private readonly double[] _ranks;     // [N] 1-based average rank of each score
    private int[] _order = [];

    public RankSum(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        _ranks = new double[length];
    }

    public int Length => _ranks.Length;

    /// <summary>Ranks <paramref name="scores"/> (length <see cref="Length"/>); the sort reuses one buffer, so call it once per vector.</summary>
    public void Rank(ReadOnlySpan<float> scores, Span<float> sortBuffer)
    {
        var n = _ranks.Length;
        if (scores.Length != n || sortBuffer.Length != n) throw new ArgumentException($"{scores.Length} scores and a sort buffer of {sortBuffer.Length} for a test of {n}.");
        if (_order.Length != n) _order = new int[n];
        for (var i = 0; i < n; i++) _order[i] = i;
        scores.CopyTo(sortBuffer);
        sortBuffer.Sort(_order.AsSpan());
        double ties = 0;
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && sortBuffer[end] == sortBuffer[start]) end++;
            var average = (start + 1 + end) / 2.0;   // ranks start+1 … end
            for (var j = start; j < end; j++) _ranks[_order[j]] = average;
            double t = end - start;
            ties += t * t * t - t;
            start = end;
        }
        TieTerm = ties;
    }

    /// <summary>Σ (t³ − t) over the tie groups of the last ranked vector.</summary>
    public double TieTerm { get; private set; }

    /// <summary>The test of the distinct positions <paramref name="members"/> against all others of the last ranked vector.</summary>
    public RankSumResult Test(ReadOnlySpan<int> members)
    {
        double n = _ranks.Length, n1 = members.Length, n0 = n - n1;
        if (n1 == 0 || n0 == 0) return new RankSumResult(members.Length, double.NaN, double.NaN, double.NaN);
        double rankSum = 0;
        foreach (var m in members) rankSum += _ranks[m];
        var u = rankSum - n1 * (n1 + 1) / 2;
        var mean = n1 * n0 / 2;
        var sigma = Math.Sqrt(n1 * n0 / 12 * (n + 1 - TieTerm / (n * (n - 1))));
        var z = sigma == 0 ? 0 : (u - mean - 0.5) / sigma;
        return new RankSumResult(members.Length, u / (n1 * n0), z, NormalTail.NegLog10Upper(z));
    }
}

/// <summary>
/// One rank-sum test: <see cref="Auc"/> = U/(n₁n₀), the chance that a random member outscores a random non-member (ties
/// half); <see cref="Z"/> the continuity-corrected normal score; <see cref="NegLog10P"/> = −log10 of the one-sided p.
/// </summary>
public readonly record struct RankSumResult(int Members, double Auc, double Z, double NegLog10P);
