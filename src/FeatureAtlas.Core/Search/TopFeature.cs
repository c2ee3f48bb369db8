namespace FeatureAtlas.Core.Search;

/// <summary>A feature index and its activation at one position.</summary>
public readonly record struct TopFeature(int Feature, float Value);
