using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Core.Training;

/// <summary>
/// A training vocabulary in which the tokens seen at least a minimum number of times in the training text keep their own
/// embedding row and every other token shares one last row. Shapes: V the full vocabulary, K kept tokens, D d_model.
/// <para>
/// Why it is exact, not an approximation: a GPT-2 whose rare tokens' wte rows are all equal to one vector w gives each of
/// the n rare tokens the logit w·h, so its full V-way softmax equals a (K + 1)-way softmax whose last logit is w·h + ln n,
/// and the loss of a rare target is that softmax's LSE minus w·h. <see cref="LanguageModelTrainer"/> computes exactly
/// that (<see cref="LanguageModelTrainingOptions.SharedRowTokens"/>), so training the compact model is training the
/// full GPT-2 constrained to share one row among rare tokens; <see cref="Expand"/> writes that full GPT-2 (an ordinary
/// checkpoint), and its full-vocabulary loss is the compact model's loss. What it saves: the unembedding of a small
/// model is most of its FLOPs (50,257 × 128 per token against ~12·128² per block), and it shrinks from V to K + 1 rows.
/// </para>
/// </summary>
public sealed class SharedRowVocabulary
{
    private readonly int[] _compactOf;   // [V] full id → compact id (K for every shared token)

    private SharedRowVocabulary(int[] kept, int vocab)
    {
        Kept = kept;
        FullVocab = vocab;
        _compactOf = new int[vocab];
        Array.Fill(_compactOf, kept.Length);
        for (var k = 0; k < kept.Length; k++) _compactOf[kept[k]] = k;
    }

    /// <summary>The full ids with a row of their own, ascending ([K]); compact id k is <c>Kept[k]</c>.</summary>
    public IReadOnlyList<int> Kept { get; }

    /// <summary>V, the vocabulary of the saved model.</summary>
    public int FullVocab { get; }

    /// <summary>Tokens that share the last row (V − K).</summary>
    public int SharedTokens => FullVocab - Kept.Count;

    /// <summary>K + 1 rows, or K when no token is left to share (then the compact vocabulary is the full one reordered).</summary>
    public int Size => Kept.Count + (SharedTokens > 0 ? 1 : 0);

    /// <summary>
    /// Keeps every token that occurs at least <paramref name="minCount"/> times in <paramref name="counts"/> [V] (occurrences
    /// in the training tokens); minCount 0 keeps all V.
    /// </summary>
    public static SharedRowVocabulary FromCounts(ReadOnlySpan<long> counts, int minCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minCount);
        if (counts.Length < 1) throw new ArgumentException("The vocabulary is empty.", nameof(counts));
        var kept = new List<int>();
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] >= minCount) kept.Add(i);
        }
        if (kept.Count == 0) throw new ArgumentException($"No token occurs {minCount} times; lower the minimum count.", nameof(minCount));
        return new SharedRowVocabulary([.. kept], counts.Length);
    }

    /// <summary>The compact id of a full id.</summary>
    public int ToCompact(int id) => _compactOf[id];

    /// <summary>Full ids → compact ids, into <paramref name="destination"/> (same length).</summary>
    public void ToCompact(ReadOnlySpan<int> ids, Span<int> destination)
    {
        if (destination.Length != ids.Length) throw new ArgumentException($"The destination holds {destination.Length} ids, expected {ids.Length}.", nameof(destination));
        for (var i = 0; i < ids.Length; i++) destination[i] = _compactOf[ids[i]];
    }

    /// <summary>
    /// The compact model of full raw weights: the kept tokens' rows in order, then one shared row, the mean of the shared
    /// tokens' rows (at GPT-2's initialisation a vector near zero). Every other parameter is copied.
    /// </summary>
    public Gpt2Weights Compact(Gpt2Weights full)
    {
        ArgumentNullException.ThrowIfNull(full);
        if (full.Config.Vocab != FullVocab) throw new ArgumentException($"The model has a vocabulary of {full.Config.Vocab}, expected {FullVocab}.", nameof(full));
        if (full.WU is not null) throw new ArgumentException("Only a model with tied embeddings (lm_head = wte) has a compact form.", nameof(full));
        var d = full.Config.DModel;
        var we = new float[(long)Size * d];
        for (var k = 0; k < Kept.Count; k++) full.WE.AsSpan(Kept[k] * d, d).CopyTo(we.AsSpan(k * d, d));
        if (SharedTokens > 0)
        {
            var mean = new double[d];
            for (var i = 0; i < FullVocab; i++)
            {
                if (_compactOf[i] != Kept.Count) continue;
                for (var j = 0; j < d; j++) mean[j] += full.WE[(long)i * d + j];
            }
            for (var j = 0; j < d; j++) we[(long)Kept.Count * d + j] = (float)(mean[j] / SharedTokens);
        }
        return WithEmbedding(full, full.Config with { Vocab = Size }, we);
    }

    /// <summary>The full GPT-2 of compact weights: each kept token gets its row back, every shared token the shared row.</summary>
    public Gpt2Weights Expand(Gpt2Weights compact)
    {
        ArgumentNullException.ThrowIfNull(compact);
        if (compact.Config.Vocab != Size) throw new ArgumentException($"The compact model has a vocabulary of {compact.Config.Vocab}, expected {Size}.", nameof(compact));
        var d = compact.Config.DModel;
        var we = new float[(long)FullVocab * d];
        for (var i = 0; i < FullVocab; i++) compact.WE.AsSpan(_compactOf[i] * d, d).CopyTo(we.AsSpan(i * d, d));
        return WithEmbedding(compact, compact.Config with { Vocab = FullVocab }, we);
    }

    private static Gpt2Weights WithEmbedding(Gpt2Weights source, Gpt2Config config, float[] we) => new()
    {
        Config = config,
        WE = we,
        WPos = (float[])source.WPos.Clone(),
        Layers = source.Layers.Select(l => new Gpt2LayerWeights
        {
            Ln1Gain = (float[])l.Ln1Gain.Clone(), Ln1Bias = (float[])l.Ln1Bias.Clone(),
            WQ = (float[])l.WQ.Clone(), WK = (float[])l.WK.Clone(), WV = (float[])l.WV.Clone(),
            BQ = (float[])l.BQ.Clone(), BK = (float[])l.BK.Clone(), BV = (float[])l.BV.Clone(),
            WO = (float[])l.WO.Clone(), BO = (float[])l.BO.Clone(),
            Ln2Gain = (float[])l.Ln2Gain.Clone(), Ln2Bias = (float[])l.Ln2Bias.Clone(),
            WIn = (float[])l.WIn.Clone(), BIn = (float[])l.BIn.Clone(), WOut = (float[])l.WOut.Clone(), BOut = (float[])l.BOut.Clone(),
        }).ToArray(),
        LnFinalGain = (float[])source.LnFinalGain.Clone(),
        LnFinalBias = (float[])source.LnFinalBias.Clone(),
        BU = new float[config.Vocab],
        Processing = source.Processing,
    };
}
