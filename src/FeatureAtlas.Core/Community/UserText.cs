namespace FeatureAtlas.Core.Community;

/// <summary>Checks on text a person typed, each failing with an <see cref="ArgumentException"/> that names the field.</summary>
public static class UserText
{
    /// <summary>Trimmed, non-empty text of at most <paramref name="max"/> characters, or an error naming the field.</summary>
    public static string Required(string? text, string field, int max)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed)) throw new ArgumentException($"The {field} must not be empty.");
        if (trimmed.Length > max) throw new ArgumentException($"The {field} is {trimmed.Length} characters long; at most {max} are allowed.");
        return trimmed;
    }

    /// <summary>Null, or text of at most <paramref name="max"/> characters (kept as given), or an error naming the field.</summary>
    public static void Optional(string? text, string field, int max)
    {
        if (text is not null && text.Length > max) throw new ArgumentException($"The {field} is {text.Length} characters long; at most {max} are allowed.");
    }
}
