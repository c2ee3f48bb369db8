using System.Globalization;
using System.Text;

namespace FeatureAtlas.Core.Graphs;

/// <summary>
/// A graph's URL id within its model, as Neuronpedia allows them: lowercase letters, digits, '_' and '-', here 3 to 100
/// characters. <see cref="FromPrompt"/> makes one as Neuronpedia's generate does when none is given: the prompt's first
/// 16 letters and digits, a dash, the time in milliseconds.
/// </summary>
public static class GraphSlug
{
    public const int MinLength = 3;
    public const int MaxLength = 100;

    /// <summary>The slug, checked; a bad one raises <see cref="ArgumentException"/> naming <paramref name="field"/>.</summary>
    public static string Check(string? slug, string field = "slug")
    {
        if (string.IsNullOrEmpty(slug)) throw new ArgumentException($"{field} is required.");
        if (slug.Length is < MinLength or > MaxLength) throw new ArgumentException($"{field} must be {MinLength} to {MaxLength} characters; '{Shorten(slug)}' has {slug.Length}.");
        foreach (var c in slug)
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-'))
            {
                throw new ArgumentException($"{field} may hold only lowercase letters, digits, '_' and '-'; '{Shorten(slug)}' has '{c}'.");
            }
        }
        return slug;
    }

    /// <summary>A slug from the prompt's letters and digits (lowercased, at most 16) and <paramref name="at"/> in Unix milliseconds.</summary>
    public static string FromPrompt(string prompt, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var stem = new StringBuilder();
        foreach (var c in prompt)
        {
            if (stem.Length == 16) break;
            if (char.IsAsciiLetterOrDigit(c)) stem.Append(char.ToLowerInvariant(c));
        }
        var time = at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return stem.Length == 0 ? "graph-" + time : stem + "-" + time;
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
