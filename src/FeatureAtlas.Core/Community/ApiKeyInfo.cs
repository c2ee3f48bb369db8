namespace FeatureAtlas.Core.Community;

/// <summary>An API key as listed to its owner: never the key itself, only its first characters.</summary>
public sealed record ApiKeyInfo(int Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);
