namespace FeatureAtlas.Core.Storage;

/// <summary>
/// Models, their SAEs and their Neuronpedia source sets. Unknown models named by a write raise
/// <see cref="KeyNotFoundException"/> naming them; lookups of one thing return null.
/// </summary>
public interface IModelStore
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

    /// <summary>The model's SAEs by name; an unknown model is an error, not an empty list.</summary>
    Task<IReadOnlyList<SaeRecord>> ListSaesAsync(string model, CancellationToken cancellationToken);

    /// <summary>
    /// The model, its SAEs and its stored source sets with their descriptions (empty when none was named), in one read
    /// (what naming its sources needs); null when the model is unknown. It runs on every feature API call, so a store
    /// may answer from a copy read moments ago (the same instance while it lasts), dropped by writes through it.
    /// </summary>
    Task<ModelSources?> GetModelSourcesAsync(string model, CancellationToken cancellationToken);

    /// <summary>
    /// Creates a source set a user names on the site (Neuronpedia's <c>source-set/new</c>); an <see cref="ArgumentException"/>
    /// when the model already has a set of that name. The model must exist.
    /// </summary>
    Task<SourceSetRecord> CreateSourceSetAsync(SourceSetRecord sourceSet, CancellationToken cancellationToken);

    /// <summary>A stored source set with its creator; null when the model has no stored set of that name.</summary>
    Task<SourceSetRecord?> GetSourceSetAsync(string model, string name, CancellationToken cancellationToken);
}
