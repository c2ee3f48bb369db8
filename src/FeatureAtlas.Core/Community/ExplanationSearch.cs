using System.Text.RegularExpressions;

namespace FeatureAtlas.Core.Community;

/// <summary>What a full-text search over explanations reads from a query, and how many results a page holds.</summary>
public static partial class ExplanationSearch
{
    public const int PageSize = 20;

    /// <summary>Words of the query (letters, digits, apostrophes), at most 16, so any text is a safe query.</summary>
    public static List<string> Terms(string? query)
    {
        if (string.IsNullOrWhiteSpace(query)) return [];
        var words = Word().Matches(query).Select(m => m.Value.Trim('\'')).Where(w => w.Length > 0);
        return words.Take(16).ToList();
    }

    [GeneratedRegex(@"[\p{L}\p{N}']+")]
    private static partial Regex Word();
}
