namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// A text with the feature's activation on each token, ready to show: <see cref="Tokens"/> and <see cref="Values"/>
/// align; <see cref="MaxValueTokenIndex"/> is the highlighted token. <see cref="Ids"/>, when known, are the tokens' ids
/// in <see cref="Vocabulary"/>, whose markup <see cref="TokenRow"/> then copies by id; the token strings are looked up
/// only if asked for (a collapsed row shows a third of its window, from markup alone).
/// </summary>
public sealed class ExampleView
{
    private string[]? _tokens;

    private ExampleView(string[]? tokens, float[] values, int? highlight, int[]? ids, VocabularyMarkup? vocabulary)
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
        (_tokens, Values, MaxValue, MaxValueTokenIndex, MinValue, Ids, Vocabulary) = (tokens, values, max, at, min, ids, vocabulary);
    }

    /// <summary>The tokens' display strings.</summary>
    public string[] Tokens => _tokens ??= Vocabulary!.Strings(Ids!);

    /// <summary>The activation on each token.</summary>
    public float[] Values { get; }

    public float MaxValue { get; }

    public int MaxValueTokenIndex { get; }

    public float MinValue { get; }

    /// <summary>The tokens' ids in <see cref="Vocabulary"/>, when known.</summary>
    public int[]? Ids { get; }

    public VocabularyMarkup? Vocabulary { get; }

    /// <summary>Tokens in the text.</summary>
    public int Length => Values.Length;

    /// <summary>A view of <paramref name="tokens"/> with <paramref name="values"/>; max and min over all positions unless <paramref name="highlight"/> is given.</summary>
    public static ExampleView Of(string[] tokens, float[] values, int? highlight = null)
    {
        if (tokens.Length != values.Length) throw new ArgumentException($"{tokens.Length} tokens but {values.Length} values.");
        return new ExampleView(tokens, values, highlight, null, null);
    }

    /// <summary>The same for tokens given as ids in <paramref name="vocabulary"/>.</summary>
    public static ExampleView Of(int[] ids, VocabularyMarkup vocabulary, float[] values, int? highlight = null)
    {
        if (ids.Length != values.Length) throw new ArgumentException($"{ids.Length} tokens but {values.Length} values.");
        if (ids.AsSpan().IndexOfAnyExceptInRange(0, vocabulary.Count - 1) >= 0) throw new ArgumentException($"A token id is outside the vocabulary of {vocabulary.Count}.");
        return new ExampleView(null, values, highlight, ids, vocabulary);
    }
}
