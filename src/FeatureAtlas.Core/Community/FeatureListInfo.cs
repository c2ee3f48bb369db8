namespace FeatureAtlas.Core.Community;

/// <summary>A list's header: its URL id (<see cref="Slug"/>), owner and settings.</summary>
public sealed record FeatureListInfo(
    string Slug, string Name, string? Description, string? DefaultTestText, bool IsPublic, int OwnerId, string OwnerName,
    int FeatureCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
