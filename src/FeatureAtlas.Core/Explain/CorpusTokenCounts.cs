namespace FeatureAtlas.Core.Explain;

/// <summary>
/// Base rates of a corpus: how often each token occurs (BOS excluded: its activations are zeroed), and how often
/// each (preceding token, token) pair does, for the enrichment and context tests of <see cref="TokenStatsExplainer"/>.
/// </summary>
public sealed class CorpusTokenCounts
{
    private readonly long[] _counts;            // [V] occurrences, BOS excluded
    private readonly long[] _followCounts;      // [V] occurrences with a preceding token (position ≥ 1)
    private readonly Dictionary<long, long> _pairs;

    private CorpusTokenCounts(long[] counts, long[] followCounts, Dictionary<long, long> pairs, long total)
    {
        _counts = counts;
        _followCounts = followCounts;
        _pairs = pairs;
        Total = total;
    }

    public int Vocab => _counts.Length;

    /// <summary>Tokens counted (BOS excluded).</summary>
    public long Total { get; }

    public long Count(int token) => (uint)token < (uint)_counts.Length ? _counts[token] : 0;

    /// <summary>Occurrences of <paramref name="token"/> right after <paramref name="previous"/>.</summary>
    public long PairCount(int previous, int token) => _pairs.GetValueOrDefault(Key(previous, token));

    /// <summary>The corpus share of <paramref name="previous"/> among the tokens preceding <paramref name="token"/>.</summary>
    public double PrecedingShare(int previous, int token)
    {
        var follows = (uint)token < (uint)_followCounts.Length ? _followCounts[token] : 0;
        return follows == 0 ? 0 : PairCount(previous, token) / (double)follows;
    }

    public static CorpusTokenCounts Create(IEnumerable<int[]> windows, int vocab, int bosTokenId)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocab);
        var counts = new long[vocab];
        var follows = new long[vocab];
        var pairs = new Dictionary<long, long>();
        long total = 0;
        foreach (var window in windows)
        {
            for (var t = 0; t < window.Length; t++)
            {
                var token = window[t];
                if ((uint)token >= (uint)vocab) throw new InvalidDataException($"Token id {token} is outside the vocabulary of {vocab}.");
                if (token == bosTokenId) continue;
                counts[token]++;
                total++;
                if (t == 0) continue;
                follows[token]++;
                var key = Key(window[t - 1], token);
                pairs[key] = pairs.GetValueOrDefault(key) + 1;
            }
        }
        return new CorpusTokenCounts(counts, follows, pairs, total);
    }

    private static long Key(int previous, int token) => ((long)previous << 32) | (uint)token;
}
