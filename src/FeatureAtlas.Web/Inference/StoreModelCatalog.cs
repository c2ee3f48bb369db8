using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Stores;

namespace FeatureAtlas.Web.Inference;

/// <summary>The atlas store as the runtime's catalog: the stored models, their SAE folders and densities.</summary>
public sealed class StoreModelCatalog(AtlasStore store) : IModelCatalog
{
    public Task<ModelRecord?> GetModelAsync(string name, CancellationToken cancellationToken) => store.GetModelAsync(name, cancellationToken);

    public Task<IReadOnlyList<SaeRecord>> ListSaesAsync(string model, CancellationToken cancellationToken) => store.ListSaesAsync(model, cancellationToken);

    public Task<float[]?> GetFracNonzeroAsync(string model, string sae, CancellationToken cancellationToken) => store.GetFracNonzeroAsync(model, sae, cancellationToken);
}
