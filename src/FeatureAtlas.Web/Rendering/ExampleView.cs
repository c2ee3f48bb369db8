using FeatureAtlas.Core.Dashboards;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// A text with the feature's activation on each token, ready to show: <see cref="Tokens"/> and <see cref="Values"/>
/// align; <see cref="MaxValueTokenIndex"/> is the highlighted token. <see cref="Ids"/>, when known, are the tokens' ids
/// in <see cref="Vocabulary"/>, whose markup <see cref="TokenRow"/> then copies by id. A dashboard example keeps its
/// activations sparse (<see cref="Sparse"/>) and its token strings unlooked-up until asked for: a collapsed
/// row shows a third of its window, from markup alone, and the dense copies were an eighth of a page's allocation.
/// </summary>
public sealed class ExampleView
{
    private string[]? _tokens;
    private float[]? _values;

    private ExampleView(string[] tokens, float[] values, int? highlight)
    {
        var max = float.NegativeInfinity;
        var min = float.PositiveInfinity;
        var at = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] > max) { max = values[i]; at = i; }
            if (values[i] < min) min = values[i];
        }
        if (values.Length == 0) { max = 0; min = 0; }
        if (highlight is { } h) { at = h; max = values[h]; }
        (_tokens, _values, Length, MaxValue, MaxValueTokenIndex, MinValue) = (tokens, values, values.Length, max, at, min);
    }

    private ExampleView(int[] ids, VocabularyMarkup vocabulary, ActivationExample example)
    {
        var (positions, values) = (example.Positions, example.Values);
        var at = example.Position;
        var index = Array.BinarySearch(positions, at);
        // As the dense constructor finds them: the value at the highlight, and the least value counting the zeros.
        var min = positions.Length < ids.Length ? 0f : float.PositiveInfinity;
        foreach (var v in values) if (v < min) min = v;
        (Length, MaxValue, MaxValueTokenIndex, MinValue, Ids, Vocabulary, Sparse) = (ids.Length, index >= 0 ? values[index] : 0f, at, min, ids, vocabulary, example);
    }

    /// <summary>The tokens' display strings.</summary>
    public string[] Tokens => _tokens ??= Vocabulary!.Strings(Ids!);

    /// <summary>The activation on each token.</summary>
    public float[] Values => _values ??= Sparse!.Dense(Length);

    public float MaxValue { get; }

    public int MaxValueTokenIndex { get; }

    public float MinValue { get; }

    /// <summary>The tokens' ids in <see cref="Vocabulary"/>, when known.</summary>
    public int[]? Ids { get; }

    public VocabularyMarkup? Vocabulary { get; }

    /// <summary>Tokens in the text.</summary>
    public int Length { get; }

    /// <summary>
    /// The greatest activation over all tokens and its first position (0 and 0 for an empty text), read from the
    /// sparse activations when there are any, without a dense copy. <see cref="MaxValue"/> is the highlighted token's.
    /// </summary>
    public (float Value, int Position) Peak()
    {
        if (Length == 0) return (0f, 0);
        if (Sparse is not { } sparse)
        {
            var values = Values;
            var at = 0;
            for (var i = 1; i < values.Length; i++)
            {
                if (values[i] > values[at]) at = i;
            }
            return (values[at], at);
        }
        var (positions, active) = (sparse.Positions, sparse.Values);
        var (best, first) = (float.NegativeInfinity, 0);
        for (var i = 0; i < active.Length; i++)
        {
            if (active[i] > best) (best, first) = (active[i], positions[i]);
        }
        if (positions.Length == Length) return (best, first);
        // A token with no stored activation reads 0; the first such is where positions first skip an index.
        var zero = 0;
        while (zero < positions.Length && positions[zero] == zero) zero++;
        return best > 0f || (best == 0f && first < zero) ? (best, first) : (0f, zero);
    }

    /// <summary>The dashboard example whose non-zero activations these are, when it was built from one (else null).</summary>
    public ActivationExample? Sparse { get; }

    /// <summary>A view of <paramref name="tokens"/> with <paramref name="values"/>; max and min over all positions unless <paramref name="highlight"/> is given.</summary>
    public static ExampleView Of(string[] tokens, float[] values, int? highlight = null)
    {
        if (tokens.Length != values.Length) throw new ArgumentException($"{tokens.Length} tokens but {values.Length} values.");
        return new ExampleView(tokens, values, highlight);
    }

    /// <summary>Dashboard example <paramref name="example"/> over its window's tokens, given as ids in <paramref name="vocabulary"/>.</summary>
    public static ExampleView Of(int[] ids, VocabularyMarkup vocabulary, ActivationExample example)
    {
        if (ids.AsSpan().IndexOfAnyExceptInRange(0, vocabulary.Count - 1) >= 0) throw new ArgumentException($"A token id is outside the vocabulary of {vocabulary.Count}.");
        var positions = example.Positions;
        if (positions.Length != example.Values.Length) throw new ArgumentException($"{positions.Length} positions but {example.Values.Length} values.");
        for (var i = 0; i < positions.Length; i++)
        {
            if (positions[i] < 0 || positions[i] >= ids.Length || (i > 0 && positions[i] <= positions[i - 1]))
            {
                throw new ArgumentException($"Activation positions must ascend within the window's {ids.Length} tokens; position {i} is {positions[i]}.");
            }
        }
        if ((uint)example.Position >= (uint)ids.Length) throw new ArgumentException($"The highlighted position {example.Position} is outside the window's {ids.Length} tokens.");
        return new ExampleView(ids, vocabulary, example);
    }
}
