namespace FeatureAtlas.Data.Entities;

/// <summary>
/// A user's named list of features (table <c>lists</c>); name unique per owner. Its URL is <c>/list/{Slug}</c>: a
/// random 12-character id, so an unlisted list is reachable only by those given the link.
/// </summary>
public sealed class FeatureListEntity
{
    public int Id { get; set; }
    public required string Slug { get; set; }
    public int OwnerId { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    /// <summary>Text the list's page tests every feature on, when set.</summary>
    public string? DefaultTestText { get; set; }
    /// <summary>Public lists appear on their owner's page; unlisted ones only by link.</summary>
    public bool IsPublic { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
