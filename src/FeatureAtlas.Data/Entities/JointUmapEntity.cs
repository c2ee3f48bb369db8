namespace FeatureAtlas.Data.Entities;

/// <summary>
/// A joint map (table <c>joint_umaps</c>): one UMAP of the features of several SAEs of a model, named uniquely
/// within the model. Its SAEs are <see cref="JointUmapSaeEntity"/> rows, its points <see cref="JointUmapPointEntity"/>
/// rows. A table apart from <c>umap_points</c>, which keeps each SAE's own map: a feature may be on both, at
/// unrelated places, and each kind is replaced without touching the other.
/// </summary>
public sealed class JointUmapEntity
{
    public int Id { get; set; }

    public int ModelId { get; set; }

    public required string Name { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
