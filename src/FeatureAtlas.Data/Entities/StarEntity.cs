namespace FeatureAtlas.Data.Entities;

/// <summary>A user's star on a feature (table <c>stars</c>), at most one per (user, SAE, feature index).</summary>
public sealed class StarEntity
{
    public int UserId { get; set; }

    public int SaeId { get; set; }

    public int FeatureIndex { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
