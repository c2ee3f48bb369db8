using System.Text.RegularExpressions;

namespace FeatureAtlas.Core.Explain;

/// <summary>
/// Any explanation's text made executable without a language model, so the offline scorer can score explanations
/// people write: the vocabulary tokens the text names predict 1, every other token 0. What the text names: its
/// quoted spans (<c>'…'</c>, <c>"…"</c>, <c>“…”</c>, <c>`…`</c>) when it has any, leaving out spans after "after"
/// (the offline explainer's preceding-token contexts); otherwise its words of two or more letters or digits (any
/// number), less common function words. A token matches a span or word when its text equals it exactly, or when both,
/// trimmed and lower-cased, are equal (a word also matches its plural with <c>s</c>).
/// </summary>
public sealed partial class KeywordPredictor : IActivationPredictor
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "an", "of", "to", "in", "on", "at", "by", "for", "and", "or", "as", "is", "are", "be", "it", "its", "this", "that",
        "with", "from", "after", "before", "about", "into", "such", "like", "when", "which", "word", "words", "token", "tokens",
        "feature", "fires", "fire", "activates", "mostly", "near", "start", "context", "text", "mentions", "related", "references",
    };

    private readonly HashSet<int> _tokens;

    private KeywordPredictor(IReadOnlyList<string> named, HashSet<int> tokens)
    {
        Named = named;
        _tokens = tokens;
    }

    /// <summary>The spans or words the explanation names, as matched.</summary>
    public IReadOnlyList<string> Named { get; }

    /// <summary>The vocabulary tokens predicted to fire, ascending.</summary>
    public IReadOnlyList<int> Tokens => _tokens.Order().ToArray();

    /// <summary>The predictor of <paramref name="explanation"/> over <paramref name="vocabulary"/> (each token's text, by token id).</summary>
    public static KeywordPredictor Create(string explanation, IReadOnlyList<string> vocabulary)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(explanation);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var spans = new List<string>();
        foreach (Match m in Quoted().Matches(explanation))
        {
            var before = explanation[..m.Index].TrimEnd();
            if (before.EndsWith("after", StringComparison.OrdinalIgnoreCase)) continue;
            var span = m.Groups.Values.Skip(1).First(g => g.Success).Value;
            if (span.Length > 0) spans.Add(span);
        }
        var exact = spans.Count > 0;
        if (!exact)
        {
            spans.AddRange(Words().Matches(explanation).Select(m => m.Value.ToLowerInvariant())
                .Where(w => (w.Length >= 2 || char.IsAsciiDigit(w[0])) && !StopWords.Contains(w)).Distinct());
        }
        var keys = new HashSet<string>(spans.Select(Key), StringComparer.Ordinal);
        if (!exact) keys.UnionWith(spans.Select(w => w + "s"));
        var raw = new HashSet<string>(spans, StringComparer.Ordinal);
        var tokens = new HashSet<int>();
        for (var t = 0; t < vocabulary.Count; t++)
        {
            var text = vocabulary[t];
            if (raw.Contains(text) || (Key(text) is { Length: > 0 } key && keys.Contains(key))) tokens.Add(t);
        }
        return new KeywordPredictor(spans, tokens);
    }

    public void Predict(ReadOnlySpan<int> tokens, Span<float> destination)
    {
        if (destination.Length != tokens.Length) throw new ArgumentException($"{destination.Length} predictions for {tokens.Length} tokens.", nameof(destination));
        for (var t = 0; t < tokens.Length; t++) destination[t] = _tokens.Contains(tokens[t]) ? 1f : 0f;
    }

    private static string Key(string text) => text.Trim().ToLowerInvariant();

    // A single quote opens and closes only beside a non-letter, so "don't" and "it's" are not spans.
    [GeneratedRegex("\"([^\"\\n]+)\"|“([^”\\n]+)”|`([^`\\n]+)`|(?<![\\p{L}\\p{N}])'([^'\\n]+)'(?![\\p{L}\\p{N}])")]
    private static partial Regex Quoted();

    [GeneratedRegex("[\\p{L}\\p{N}]+")]
    private static partial Regex Words();
}
