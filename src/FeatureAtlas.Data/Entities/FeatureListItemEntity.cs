namespace FeatureAtlas.Data.Entities;

/// <summary>A feature on a list (table <c>list_items</c>), keyed by (list, SAE, feature index).</summary>
public sealed class FeatureListItemEntity
{
    public int ListId { get; set; }

    public int SaeId { get; set; }

    public int FeatureIndex { get; set; }

    public string? Note { get; set; }

    public DateTimeOffset AddedAt { get; set; }
}
