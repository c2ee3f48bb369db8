namespace FeatureAtlas.Core.Storage;

/// <summary>
/// What a joint map's name may be: it is a path segment of the map's URL (<c>/api/umap/{model}/joint/{name}</c>),
/// so 1 to <see cref="MaxLength"/> characters, no surrounding spaces, no control characters and none of / \ ? # %.
/// </summary>
public static class JointUmapName
{
    public const int MaxLength = 200;

    public static void Check(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length != name.Length || name.Length > MaxLength
            || name.Any(c => char.IsControl(c) || c is '/' or '\\' or '?' or '#' or '%'))
        {
            throw new ArgumentException(
                $"A joint map's name is 1 to {MaxLength} characters without surrounding spaces, control characters or any of / \\ ? # %; got '{name}'.", nameof(name));
        }
    }
}
