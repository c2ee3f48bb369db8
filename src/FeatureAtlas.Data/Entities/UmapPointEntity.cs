namespace FeatureAtlas.Data.Entities;

/// <summary>
/// A feature's place on its SAE's UMAP map (table <c>umap_points</c>), keyed by (SAE, feature index). A table of
/// its own rather than columns on <c>features</c>: a map needs only the decoder, so it can exist before (or
/// without) dashboards, and a new map replaces the SAE's rows in one delete-and-insert.
/// </summary>
public sealed class UmapPointEntity
{
    public int SaeId { get; set; }

    public int FeatureIndex { get; set; }

    public float X { get; set; }

    public float Y { get; set; }
}
