using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Core.Runtime;

/// <summary>
/// Where <see cref="ModelRuntime"/> finds what to load: the stored models and SAEs (with their folders) and each
/// SAE's feature densities. The atlas store implements it; a folder-only host can too.
/// </summary>
public interface IModelCatalog
{
    Task<ModelRecord?> GetModelAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<SaeRecord>> ListSaesAsync(string model, CancellationToken cancellationToken);

    /// <summary>frac_nonzero by feature index of an SAE with dashboards; null without.</summary>
    Task<float[]?> GetFracNonzeroAsync(string model, string sae, CancellationToken cancellationToken);
}
