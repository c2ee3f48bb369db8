namespace FeatureAtlas.Core.Search;

/// <summary>The strongest features at one position, largest first (only activations above zero).</summary>
public sealed record TokenTopFeatures(int Position, int Token, bool IsSpecial, IReadOnlyList<TopFeature> Features);
