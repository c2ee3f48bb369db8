using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// Token-set enrichment of a feature's logit-weight distribution (ℓ = unit decoder row to the residual stream · W_U, the
/// logit table's vector): for every set, the one-sided Mann–Whitney U test of its members' logits above the other
/// tokens' (<see cref="RankSum"/>). A set <em>predicts</em> when p &lt; <see cref="EnrichmentOptions.Alpha"/> divided by
/// the number of sets (Bonferroni) and AUC ≥ <see cref="EnrichmentOptions.MinAuc"/>. One instance per thread: it keeps
/// the rank buffers.
/// </summary>
public sealed class TokenSetEnrichment
{
    private readonly IReadOnlyList<TokenSet> _sets;
    private readonly EnrichmentOptions _options;
    private readonly RankSum _ranks;
    private readonly float[] _sortBuffer;
    private readonly double _minNegLog10P;

    public TokenSetEnrichment(IReadOnlyList<TokenSet> sets, int vocab, EnrichmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(sets);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        foreach (var set in sets)
        {
            if (set.Tokens.Any(t => (uint)t >= (uint)vocab)) throw new ArgumentException($"Token set '{set.Name}' holds a token outside the vocabulary of {vocab}.", nameof(sets));
        }
        _sets = sets;
        _options = options;
        _ranks = new RankSum(vocab);
        _sortBuffer = new float[vocab];
        _minNegLog10P = -Math.Log10(options.Alpha / Math.Max(1, sets.Count));
    }

    /// <summary>Every set's test on <paramref name="logits"/> [V], in set order.</summary>
    public SetEnrichment[] All(ReadOnlySpan<float> logits)
    {
        _ranks.Rank(logits, _sortBuffer);
        var result = new SetEnrichment[_sets.Count];
        for (var s = 0; s < _sets.Count; s++)
        {
            var set = _sets[s];
            var r = _ranks.Test(set.Tokens);
            var predicts = set.Tokens.Length >= _options.MinMembers && r.NegLog10P >= _minNegLog10P && r.Auc >= _options.MinAuc;
            result[s] = new SetEnrichment(set.Name, r.Members, r.Auc, r.Z, r.NegLog10P, predicts);
        }
        return result;
    }

    /// <summary>
    /// The <see cref="EnrichmentOptions.TopSets"/> most significant sets with AUC above ½ (largest −log10 p, then AUC, then
    /// name), and after them any other set the feature predicts, so an SAE summary can count every prediction.
    /// </summary>
    public SetEnrichment[] Top(ReadOnlySpan<float> logits) =>
        All(logits).Where(e => e.Members >= _options.MinMembers && e.Auc > 0.5 && double.IsFinite(e.NegLog10P))
            .OrderByDescending(e => e.NegLog10P).ThenByDescending(e => e.Auc).ThenBy(e => e.Name, StringComparer.Ordinal)
            .Where((e, rank) => rank < _options.TopSets || e.Predicts).ToArray();
}

/// <summary>Thresholds of token-set enrichment.</summary>
public sealed record EnrichmentOptions
{
    /// <summary>Sets kept per feature.</summary>
    public int TopSets { get; init; } = 5;

    /// <summary>Family-wise significance level over a feature's sets.</summary>
    public double Alpha { get; init; } = 0.001;

    /// <summary>Smallest AUC for a set to count as predicted.</summary>
    public double MinAuc { get; init; } = 0.75;

    /// <summary>Sets with fewer tokens are not tested.</summary>
    public int MinMembers { get; init; } = 5;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(TopSets);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Alpha);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Alpha, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MinMembers);
    }
}
