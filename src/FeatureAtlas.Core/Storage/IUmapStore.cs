namespace FeatureAtlas.Core.Storage;

/// <summary>UMAP coordinates of an SAE's features.</summary>
public interface IUmapStore
{
    /// <summary>Replaces the SAE's map with <paramref name="coordinates"/> [d_sae, 2] (x, y per feature) in one transaction.</summary>
    Task SaveUmapAsync(string model, string sae, float[] coordinates, CancellationToken cancellationToken);

    /// <summary>The SAE's map as (feature index, x, y) columns in index order; null when it has none.</summary>
    Task<UmapPoints?> GetUmapAsync(string model, string sae, CancellationToken cancellationToken);
}
