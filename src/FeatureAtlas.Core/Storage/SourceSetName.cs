namespace FeatureAtlas.Core.Storage;

/// <summary>
/// What a Neuronpedia source set's name may be: its source ids are <c>{layer}-{set}</c>, the set read back as the text
/// after the first <c>-</c> and before any <c>__</c>, so 1 to <see cref="MaxLength"/> lowercase letters, digits and
/// inner dashes (no <c>__</c>).
/// </summary>
public static class SourceSetName
{
    public const int MaxLength = 64;
    public const int MaxDescription = 1024;

    /// <summary>Returns <paramref name="name"/>; anything else is an <see cref="ArgumentException"/> naming what was found.</summary>
    public static string Check(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var ok = name.Length is > 0 and <= MaxLength && name[0] != '-' && name[^1] != '-'
            && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
        return ok ? name : throw new ArgumentException($"A source set name is 1 to {MaxLength} lowercase letters, digits and inner dashes (like res-jb); found '{name}'.", nameof(name));
    }

    /// <summary>Returns <paramref name="description"/> when it is at most <see cref="MaxDescription"/> characters; otherwise an <see cref="ArgumentException"/>.</summary>
    public static string CheckDescription(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        return description.Length <= MaxDescription
            ? description
            : throw new ArgumentException($"A source set description is at most {MaxDescription} characters; found {description.Length}.", nameof(description));
    }
}
