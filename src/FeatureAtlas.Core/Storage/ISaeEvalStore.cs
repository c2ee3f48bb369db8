using FeatureAtlas.Core.Evals;

namespace FeatureAtlas.Core.Storage;

/// <summary>The latest evaluation of each SAE (one per SAE; a new one replaces it).</summary>
public interface ISaeEvalStore
{
    /// <summary>Stores <paramref name="eval"/> for an SAE that is in the store, replacing any earlier one.</summary>
    Task SaveEvalAsync(string model, string sae, SaeEvalRecord eval, CancellationToken cancellationToken);

    Task<SaeEvalRecord?> GetEvalAsync(string model, string sae, CancellationToken cancellationToken);

    /// <summary>Every evaluated SAE of a model, optionally only those on <paramref name="hookName"/>.</summary>
    Task<IReadOnlyList<SaeEvalRecord>> ListEvalsAsync(string model, string? hookName, CancellationToken cancellationToken);
}
