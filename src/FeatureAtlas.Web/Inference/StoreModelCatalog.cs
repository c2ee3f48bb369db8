using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Web.Inference;

/// <summary>The atlas store as the runtime's catalog: the stored models, their SAE folders and densities.</summary>
public sealed class StoreModelCatalog(IModelStore modelStore, IDashboardStore dashboardStore) : IModelCatalog
{
    public Task<ModelRecord?> GetModelAsync(string name, CancellationToken cancellationToken) => modelStore.GetModelAsync(name, cancellationToken);

    public Task<IReadOnlyList<SaeRecord>> ListSaesAsync(string model, CancellationToken cancellationToken) => modelStore.ListSaesAsync(model, cancellationToken);

    public Task<float[]?> GetFracNonzeroAsync(string model, string sae, CancellationToken cancellationToken) => dashboardStore.GetFracNonzeroAsync(model, sae, cancellationToken);
}
