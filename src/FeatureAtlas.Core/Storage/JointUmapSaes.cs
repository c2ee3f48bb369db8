namespace FeatureAtlas.Core.Storage;

/// <summary>Which SAEs a joint map may cover: two or more, each named once.</summary>
public static class JointUmapSaes
{
    public static void Check(IReadOnlyList<string> saes, string paramName)
    {
        ArgumentNullException.ThrowIfNull(saes, paramName);
        if (saes.Count < 2) throw new ArgumentException($"A joint map covers two or more SAEs; {saes.Count} given.", paramName);
        if (saes.GroupBy(s => s, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"SAE '{twice.Key}' is named twice; a joint map covers each SAE once.", paramName);
        }
    }
}
