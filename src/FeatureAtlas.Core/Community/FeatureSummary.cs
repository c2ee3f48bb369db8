namespace FeatureAtlas.Core.Community;

/// <summary>One row of an SAE's feature list: density, largest activation and its best explanation, if any.</summary>
public sealed record FeatureSummary(int Index, double FracNonzero, float MaxActivation, string? Explanation, double? Score = null);
