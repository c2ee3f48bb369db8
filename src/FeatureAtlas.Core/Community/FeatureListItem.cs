namespace FeatureAtlas.Core.Community;

/// <summary>A feature on a list, with the owner's note about it.</summary>
public sealed record FeatureListItem(FeatureKey Feature, string? Note, DateTimeOffset AddedAt);
