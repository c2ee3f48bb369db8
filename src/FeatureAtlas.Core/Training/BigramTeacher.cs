using System.Numerics.Tensors;
using FeatureAtlas.Core.Evals;

namespace FeatureAtlas.Core.Training;

/// <summary>
/// An interpolated Kneser–Ney bigram (<see cref="NgramBaselines"/>) as a teacher of soft next-token targets: with weight
/// α a position's target is (1 − α)·onehot(next) + α·P(· | current token), so the loss is
/// (1 − α)·CE(next) + α·H(P(· | current), softmax(logits)). A small model trained on little text spends most of its first
/// pass learning what a bigram table knows; the table's whole next-token distribution per position says that at once,
/// where the single observed token says it one sample at a time (distillation, Hinton et al. 2015, with an n-gram teacher).
/// P(· | v) is kept as a sparse part, max(c(v w) − D, 0)/c(v) over the tokens seen after v, plus the backoff weight times
/// one dense P_cont, so a row costs one pass over the vocabulary plus the pairs seen after its token.
/// </summary>
public sealed class BigramTeacher
{
    private readonly float[] _continuation;   // [V] P_cont(w)
    private readonly float[] _backoff;        // [V] λ(v): P_cont's weight in P(· | v)
    private readonly int[] _rowStart;         // [V + 1] CSR by context
    private readonly int[] _next;             // tokens seen after the context
    private readonly float[] _weight;         // max(c(v w) − D, 0)/c(v)

    private BigramTeacher(NgramBaselines counts)
    {
        var vocab = counts.Vocab;
        _continuation = new float[vocab];
        _backoff = new float[vocab];
        for (var w = 0; w < vocab; w++)
        {
            _continuation[w] = (float)counts.Continuation(w);
            _backoff[w] = (float)counts.BackoffWeight(w);
        }
        var pairs = counts.Pairs().OrderBy(p => p.Context).ThenBy(p => p.Next).ToArray();
        _rowStart = new int[vocab + 1];
        _next = new int[pairs.Length];
        _weight = new float[pairs.Length];
        for (var i = 0; i < pairs.Length; i++)
        {
            var (v, w, c) = pairs[i];
            _rowStart[v + 1]++;
            _next[i] = w;
            _weight[i] = (float)(Math.Max(c - counts.Discount, 0) / counts.ContextCount(v));
        }
        for (var v = 0; v < vocab; v++) _rowStart[v + 1] += _rowStart[v];
    }

    /// <summary>The teacher of the consecutive pairs of <paramref name="sequences"/> (ids in [0, vocab)).</summary>
    public static BigramTeacher Fit(IEnumerable<int[]> sequences, int vocab) => new(NgramBaselines.Fit(sequences, vocab));

    /// <summary>V, the vocabulary of the rows it writes.</summary>
    public int Vocab => _continuation.Length;

    /// <summary>P(<paramref name="next"/> | <paramref name="context"/>), in single precision.</summary>
    public float Probability(int context, int next)
    {
        var p = _backoff[context] * _continuation[next];
        var found = Array.BinarySearch(_next, _rowStart[context], _rowStart[context + 1] - _rowStart[context], next);
        return found >= 0 ? p + _weight[found] : p;
    }

    /// <summary><paramref name="row"/> [V] −= <paramref name="scale"/> · P(· | <paramref name="context"/>).</summary>
    public void Subtract(int context, Span<float> row, float scale)
    {
        if (row.Length != Vocab) throw new ArgumentException($"The row has {row.Length} entries, expected the teacher's vocabulary of {Vocab}.", nameof(row));
        TensorPrimitives.MultiplyAdd(_continuation, -scale * _backoff[context], row, row);
        for (var i = _rowStart[context]; i < _rowStart[context + 1]; i++) row[_next[i]] -= scale * _weight[i];
    }
}
