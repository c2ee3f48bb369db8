namespace FeatureAtlas.Core.Search;

/// <summary>
/// One search-all hit: feature <paramref name="Feature"/> of SAE <paramref name="Sae"/> (hook block
/// <paramref name="Layer"/>), its activation at every token [T] (position 0 zeroed when BOS is ignored), the
/// maximum and its first position, and the sum at the sort positions (0 when ranking by maximum).
/// </summary>
public readonly record struct FeatureMatch(string Sae, int Layer, int Feature, float[] Values, float MaxValue, int MaxValueIndex, float SumValue);
