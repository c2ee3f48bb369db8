namespace FeatureAtlas.Data.Entities;

/// <summary>An SAE of a joint map (table <c>joint_umap_saes</c>) and its place in the map's order (colours, legend).</summary>
public sealed class JointUmapSaeEntity
{
    public int MapId { get; set; }

    public int SaeId { get; set; }

    public int Position { get; set; }
}
