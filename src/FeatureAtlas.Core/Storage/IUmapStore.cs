namespace FeatureAtlas.Core.Storage;

/// <summary>
/// UMAP coordinates of features: each SAE's own map, and joint maps, where the features of several SAEs of one
/// model were embedded together (so that positions are comparable across those SAEs).
/// </summary>
public interface IUmapStore
{
    /// <summary>Replaces the SAE's map with <paramref name="coordinates"/> [d_sae, 2] (x, y per feature) in one transaction.</summary>
    Task SaveUmapAsync(string model, string sae, float[] coordinates, CancellationToken cancellationToken);

    /// <summary>The SAE's map as (feature index, x, y) columns in index order; null when it has none.</summary>
    Task<UmapPoints?> GetUmapAsync(string model, string sae, CancellationToken cancellationToken);

    /// <summary>The names of the model's SAEs that have a map of their own, by name.</summary>
    Task<IReadOnlyList<string>> ListSaesWithUmapAsync(string model, CancellationToken cancellationToken);

    /// <summary>
    /// Stores the joint map <paramref name="name"/> of the model's <paramref name="saes"/> (two or more, in this order),
    /// replacing one of that name, in one transaction: <paramref name="coordinates"/> is [Σ d_sae, 2], the first SAE's
    /// features in index order, then the second's, and so on.
    /// </summary>
    Task SaveJointUmapAsync(string model, string name, IReadOnlyList<string> saes, float[] coordinates, CancellationToken cancellationToken);

    /// <summary>A joint map's points, SAE by SAE in the map's order; null when the model has no map of that name.</summary>
    Task<JointUmapPoints?> GetJointUmapAsync(string model, string name, CancellationToken cancellationToken);

    /// <summary>The model's joint maps by name.</summary>
    Task<IReadOnlyList<JointUmapInfo>> ListJointUmapsAsync(string model, CancellationToken cancellationToken);
}
