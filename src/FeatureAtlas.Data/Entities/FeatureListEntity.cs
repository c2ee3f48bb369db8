namespace FeatureAtlas.Data.Entities;

/// <summary>A user's named list of features (table <c>lists</c>); name unique per owner.</summary>
public sealed class FeatureListEntity
{
    public int Id { get; set; }

    public int OwnerId { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
