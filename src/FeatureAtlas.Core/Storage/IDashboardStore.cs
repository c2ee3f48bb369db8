using FeatureAtlas.Core.Dashboards;

namespace FeatureAtlas.Core.Storage;

/// <summary>Models, SAEs and their feature dashboards.</summary>
public interface IDashboardStore
{
    /// <summary>Adds or updates a model by name.</summary>
    Task UpsertModelAsync(ModelRecord model, CancellationToken cancellationToken);

    /// <summary>Adds or updates an SAE by (model, name); the model must exist.</summary>
    Task UpsertSaeAsync(SaeRecord sae, CancellationToken cancellationToken);

    /// <summary>Names or describes a Neuronpedia source set of the model (SAEs join it by <see cref="SaeRecord.SetName"/>); the model must exist.</summary>
    Task UpsertSourceSetAsync(string model, string name, string description, CancellationToken cancellationToken);

    Task<ModelRecord?> GetModelAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<ModelRecord>> ListModelsAsync(CancellationToken cancellationToken);

    Task<SaeRecord?> GetSaeAsync(string model, string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<SaeRecord>> ListSaesAsync(string model, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the SAE's dashboards with <paramref name="dashboards"/> (computed over <paramref name="corpus"/>)
    /// in one transaction: readers see the old set or the new one, never a mix, and a crash leaves the old.
    /// </summary>
    Task SaveDashboardsAsync(string model, string sae, string corpus, DashboardOptions options, SaeDashboards dashboards, CancellationToken cancellationToken);

    Task<SaeDashboardSummary?> GetDashboardSummaryAsync(string model, string sae, CancellationToken cancellationToken);

    /// <summary>One feature's dashboard (examples as stored: sparse activations, window indexes into the corpus).</summary>
    Task<FeatureDashboard?> GetFeatureAsync(string model, string sae, int index, CancellationToken cancellationToken);

    /// <summary>Features [offset, offset + count) of an SAE, by index.</summary>
    Task<IReadOnlyList<FeatureDashboard>> GetFeaturesAsync(string model, string sae, int offset, int count, CancellationToken cancellationToken);
}
