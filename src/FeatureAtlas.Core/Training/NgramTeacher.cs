using System.Numerics.Tensors;

namespace FeatureAtlas.Core.Training;

/// <summary>
/// An interpolated Kneser–Ney n-gram model (Chen &amp; Goodman 1998, §3.5; order 2 to 4) as a teacher of soft next-token
/// targets: with weight α a position's target is (1 − α)·onehot(next) + α·P(· | the n − 1 tokens up to it), so the loss is
/// (1 − α)·CE(next) + α·H(P, softmax(logits)). A small model trained on little text spends most of its first pass learning
/// what a count table knows; the table's whole next-token distribution per position says that at once, where the single
/// observed token says it one sample at a time (distillation, Hinton et al. 2015, with an n-gram teacher).
/// <code>
/// P_n(w | h) = max(c_n(h w) − D_n, 0)/c_n(h •) + D_n·N₁₊(h •)/c_n(h •) · P_{n−1}(w | h without its first token)
///              (P_{n−1} alone when h was never seen)
/// P_1(w)     = max(c_1(w) − D_1, 0)/c_1(•) + D_1·|{w : c_1(w) &gt; 0}|/c_1(•) · 1/V
/// </code>
/// c_N counts the n-grams of the highest order; every lower level counts continuations, c_n(h w) = the distinct tokens
/// seen before h w (N₁₊(• h w)). Each level has its own discount D_n = n₁/(n₁ + 2n₂) from its count-of-counts (Ney et al.
/// 1994). A sequence's first tokens have a shorter history: the missing tokens are a start symbol (id V), counted like a
/// token, so the first target's context is (start, first token). Only next-token pairs inside a sequence are counted, as
/// training's targets are. A row costs one pass over the vocabulary (the weighted P_1) plus the entries seen after each
/// level's context.
/// </summary>
public sealed class NgramTeacher
{
    private readonly int _vocab;
    private readonly float[] _unigram;     // [V] P_1(w)
    private readonly Level[] _levels;      // [order − 1]: level n = 2..order at index n − 2

    /// <summary>One level's table in CSR form by context: entries' weights max(c − D, 0)/c(h •), and each context's backoff λ.</summary>
    private sealed record Level(Dictionary<long, int> Rows, int[] RowStart, int[] Next, float[] Weight, float[] Backoff, double Discount);

    private NgramTeacher(int vocab, float[] unigram, Level[] levels, double unigramDiscount)
    {
        _vocab = vocab;
        _unigram = unigram;
        _levels = levels;
        UnigramDiscount = unigramDiscount;
    }

    /// <summary>The highest order n (2 = bigram, 3 = trigram, 4).</summary>
    public int Order => _levels.Length + 1;

    /// <summary>V, the vocabulary of the rows it writes.</summary>
    public int Vocab => _vocab;

    /// <summary>D_1, the discount of the unigram continuation level.</summary>
    public double UnigramDiscount { get; }

    /// <summary>D_n of level <paramref name="n"/> (2 ≤ n ≤ <see cref="Order"/>).</summary>
    public double Discount(int n) => n == 1 ? UnigramDiscount : _levels[n - 2].Discount;

    /// <summary>The teacher of order <paramref name="order"/> fit on the next-token pairs of <paramref name="sequences"/> (ids in [0, vocab)).</summary>
    public static NgramTeacher Fit(IEnumerable<int[]> sequences, int vocab, int order)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocab);
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, 4);   // an n-gram's ids, base V + 1, fit a long up to n = 4

        // The highest order's counts: the n-gram ending at every target, its missing history the start symbol.
        var counts = new Dictionary<long, int>();
        foreach (var sequence in sequences)
        {
            for (var i = 1; i < sequence.Length; i++)
            {
                var key = Key(sequence.AsSpan(0, i + 1), order, vocab);
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }

        // Level n's entries are keyed by the n tokens (h w); the next level down counts the distinct n-grams behind each suffix.
        var levels = new Level[order - 1];
        long width = 1;
        for (var k = 1; k < order; k++) width *= vocab + 1;   // (V + 1)^(n − 1): the first token's place value at level n
        for (var n = order; n >= 2; n--)
        {
            levels[n - 2] = BuildLevel(counts, vocab);
            var continuations = new Dictionary<long, int>();
            foreach (var key in counts.Keys)
            {
                var suffix = key % width;
                continuations[suffix] = continuations.GetValueOrDefault(suffix) + 1;
            }
            counts = continuations;
            width /= vocab + 1;
        }

        var unigramCounts = new long[vocab];
        foreach (var (w, c) in counts) unigramCounts[w] = c;
        var discount = DiscountOf(counts.Values);
        double total = unigramCounts.Sum();
        var types = unigramCounts.Count(c => c > 0);
        var unigram = new float[vocab];
        for (var w = 0; w < vocab; w++)
        {
            unigram[w] = total == 0 ? 1f / vocab : (float)(Math.Max(unigramCounts[w] - discount, 0) / total + discount * types / total / vocab);
        }
        return new NgramTeacher(vocab, unigram, levels, discount);
    }

    private static Level BuildLevel(Dictionary<long, int> counts, int vocab)
    {
        var discount = DiscountOf(counts.Values);
        var entries = counts.Select(p => (Context: p.Key / (vocab + 1), Next: (int)(p.Key % (vocab + 1)), Count: p.Value))
            .OrderBy(e => e.Context).ThenBy(e => e.Next).ToArray();
        var rows = new Dictionary<long, int>();
        var rowStart = new List<int>();
        var next = new int[entries.Length];
        var weight = new float[entries.Length];
        var backoff = new List<float>();
        for (var i = 0; i < entries.Length;)
        {
            var end = i;
            long total = 0;
            while (end < entries.Length && entries[end].Context == entries[i].Context) total += entries[end++].Count;
            rows.Add(entries[i].Context, rowStart.Count);
            rowStart.Add(i);
            backoff.Add((float)(discount * (end - i) / total));
            for (; i < end; i++)
            {
                next[i] = entries[i].Next;
                weight[i] = (float)(Math.Max(entries[i].Count - discount, 0) / total);
            }
        }
        rowStart.Add(entries.Length);
        return new Level(rows, [.. rowStart], next, weight, [.. backoff], discount);
    }

    /// <summary>D = n₁/(n₁ + 2n₂) from the counts of count 1 and 2 (0.75 when there are none).</summary>
    private static double DiscountOf(IEnumerable<int> counts)
    {
        long n1 = 0, n2 = 0;
        foreach (var c in counts)
        {
            if (c == 1) n1++;
            else if (c == 2) n2++;
        }
        return n1 + n2 == 0 ? 0.75 : (double)n1 / (n1 + 2 * n2);
    }

    /// <summary>
    /// P(<paramref name="next"/> | <paramref name="history"/>) in single precision; <paramref name="history"/> is the sequence
    /// up to and including the current token (only its last n − 1 tokens are read; fewer are padded with the start symbol).
    /// </summary>
    public float Probability(ReadOnlySpan<int> history, int next)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)next, (uint)_vocab, nameof(next));
        var p = _unigram[next];
        for (var n = 2; n <= Order; n++)
        {
            var level = _levels[n - 2];
            if (!level.Rows.TryGetValue(Key(history, n - 1, _vocab), out var row)) continue;
            var found = Array.BinarySearch(level.Next, level.RowStart[row], level.RowStart[row + 1] - level.RowStart[row], next);
            p = level.Backoff[row] * p + (found >= 0 ? level.Weight[found] : 0f);
        }
        return p;
    }

    /// <summary><paramref name="row"/> [V] −= <paramref name="scale"/> · P(· | <paramref name="history"/>), history as in <see cref="Probability"/>.</summary>
    public void Subtract(ReadOnlySpan<int> history, Span<float> row, float scale)
    {
        if (row.Length != _vocab) throw new ArgumentException($"The row has {row.Length} entries, expected the teacher's vocabulary of {_vocab}.", nameof(row));
        var weight = scale;
        for (var n = Order; n >= 2; n--)
        {
            var level = _levels[n - 2];
            if (!level.Rows.TryGetValue(Key(history, n - 1, _vocab), out var r)) continue;
            for (var i = level.RowStart[r]; i < level.RowStart[r + 1]; i++) row[level.Next[i]] -= weight * level.Weight[i];
            weight *= level.Backoff[r];
        }
        TensorPrimitives.MultiplyAdd(_unigram, -weight, row, row);
    }

    /// <summary>The last <paramref name="length"/> tokens of <paramref name="history"/> in base V + 1, the start symbol (id V) where it is shorter.</summary>
    private static long Key(ReadOnlySpan<int> history, int length, int vocab)
    {
        if (history.IsEmpty) throw new ArgumentException("The history needs at least the current token.", nameof(history));
        long key = 0;
        for (var j = history.Length - length; j < history.Length; j++)
        {
            var id = j < 0 ? vocab : history[j];
            if (j >= 0 && (uint)id >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(history), $"Token id {id} is outside the vocabulary [0, {vocab}).");
            key = key * (vocab + 1) + id;
        }
        return key;
    }
}
