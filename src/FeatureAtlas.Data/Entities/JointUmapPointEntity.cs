namespace FeatureAtlas.Data.Entities;

/// <summary>A feature's place on a joint map (table <c>joint_umap_points</c>), keyed by (map, SAE, feature index).</summary>
public sealed class JointUmapPointEntity
{
    public int MapId { get; set; }

    public int SaeId { get; set; }

    public int FeatureIndex { get; set; }

    public float X { get; set; }

    public float Y { get; set; }
}
