namespace FeatureAtlas.Core.Evals;

/// <summary>
/// Two count-based language models fit on the training tokens, to read a trained model's held-out cross-entropy
/// against: an add-one (Laplace) unigram, P(w) = (c(w) + 1)/(N + V), and an interpolated Kneser–Ney bigram
/// (Chen &amp; Goodman 1998, §3.5) with one discount D = n₁/(n₁ + 2n₂) from the bigram count-of-counts (Ney et al. 1994):
/// <code>
/// P(w | v)  = max(c(v w) − D, 0)/c(v) + D·N₁₊(v •)/c(v) · P_cont(w)      (P_cont(w) alone when c(v) = 0)
/// P_cont(w) = max(N₁₊(• w) − D, 0)/N₁₊(• •) + D·|{w : N₁₊(• w) &gt; 0}|/N₁₊(• •) · 1/V
/// </code>
/// c(v) counts v as a context (the first token of a bigram), N₁₊(v •) the distinct tokens after v, N₁₊(• w) the distinct
/// tokens before w, N₁₊(• •) the distinct bigrams; the continuation level is itself interpolated with the uniform
/// distribution, so no token has probability zero. Counts come from each sequence's consecutive pairs (the targets the
/// model is trained on); the unigram counts those targets.
/// </summary>
public sealed class NgramBaselines
{
    private readonly int _vocab;
    private readonly long[] _unigram;                       // c(w) over targets
    private long _targets;                         // N
    private readonly Dictionary<long, int> _bigram = [];    // c(v w), key v·V + w
    private readonly long[] _context;                       // c(v)
    private readonly int[] _followers;                      // N₁₊(v •)
    private readonly int[] _precursors;                     // N₁₊(• w)
    private int _continuationTypes;                // |{w : N₁₊(• w) > 0}|

    private NgramBaselines(int vocab)
    {
        _vocab = vocab;
        _unigram = new long[vocab];
        _context = new long[vocab];
        _followers = new int[vocab];
        _precursors = new int[vocab];
    }

    /// <summary>D, the absolute discount.</summary>
    public double Discount { get; private set; }

    /// <summary>Fits both baselines on the consecutive pairs of <paramref name="sequences"/> (token ids in [0, vocab)).</summary>
    public static NgramBaselines Fit(IEnumerable<int[]> sequences, int vocab)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocab);
        var b = new NgramBaselines(vocab);
        foreach (var sequence in sequences)
        {
            for (var i = 1; i < sequence.Length; i++)
            {
                int v = sequence[i - 1], w = sequence[i];
                if ((uint)v >= (uint)vocab || (uint)w >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(sequences), $"Token id {Math.Max(v, w)} is outside the vocabulary [0, {vocab}).");
                b._unigram[w]++;
                b._targets++;
                b._context[v]++;
                var key = (long)v * vocab + w;
                b._bigram[key] = b._bigram.GetValueOrDefault(key) + 1;
            }
        }
        long n1 = 0, n2 = 0;
        foreach (var (key, count) in b._bigram)
        {
            b._followers[key / vocab]++;
            b._precursors[key % vocab]++;
            if (count == 1) n1++;
            else if (count == 2) n2++;
        }
        b._continuationTypes = b._precursors.Count(x => x > 0);
        b.Discount = n1 + n2 == 0 ? 0.75 : (double)n1 / (n1 + 2 * n2);
        return b;
    }

    /// <summary>N, the training targets (consecutive pairs) the baselines were fit on.</summary>
    public long Targets => _targets;

    /// <summary>V, the vocabulary the counts are over.</summary>
    public int Vocab => _vocab;

    /// <summary>Bigrams seen, N₁₊(• •).</summary>
    public int BigramTypes => _bigram.Count;

    /// <summary>Add-one unigram probability of <paramref name="w"/>.</summary>
    public double Unigram(int w) => (_unigram[w] + 1.0) / (_targets + _vocab);

    /// <summary>The continuation probability P_cont(w).</summary>
    public double Continuation(int w)
    {
        if (_bigram.Count == 0) return 1.0 / _vocab;
        double types = _bigram.Count;
        return Math.Max(_precursors[w] - Discount, 0) / types + Discount * _continuationTypes / types / _vocab;
    }

    /// <summary>Interpolated Kneser–Ney P(w | v).</summary>
    public double Bigram(int v, int w)
    {
        if (_context[v] == 0) return Continuation(w);
        double c = _context[v];
        var pair = _bigram.GetValueOrDefault((long)v * _vocab + w);
        return Math.Max(pair - Discount, 0) / c + Discount * _followers[v] / c * Continuation(w);
    }

    /// <summary>Mean cross-entropy per target token (nats) of both baselines over the consecutive pairs of <paramref name="sequences"/>.</summary>
    public (double Unigram, double Bigram, long Targets) CrossEntropy(IEnumerable<int[]> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        double unigram = 0, bigram = 0;
        long targets = 0;
        foreach (var sequence in sequences)
        {
            for (var i = 1; i < sequence.Length; i++)
            {
                unigram -= Math.Log(Unigram(sequence[i]));
                bigram -= Math.Log(Bigram(sequence[i - 1], sequence[i]));
                targets++;
            }
        }
        return targets == 0 ? (double.NaN, double.NaN, 0) : (unigram / targets, bigram / targets, targets);
    }
}
