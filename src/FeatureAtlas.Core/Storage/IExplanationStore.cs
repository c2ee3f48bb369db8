namespace FeatureAtlas.Core.Storage;

/// <summary>Explanations of an SAE's features.</summary>
public interface IExplanationStore
{
    /// <summary>
    /// Stores machine explanations in one transaction, replacing those of the same (feature, method, model): a
    /// rerun of an explainer overwrites its own earlier output and leaves everyone else's alone.
    /// </summary>
    Task SaveExplanationsAsync(string model, string sae, IReadOnlyList<ExplanationRecord> explanations, CancellationToken cancellationToken);

    /// <summary>One feature's explanations, oldest first.</summary>
    Task<IReadOnlyList<ExplanationRecord>> GetExplanationsAsync(string model, string sae, int feature, CancellationToken cancellationToken);

    /// <summary>
    /// A page of the SAE's explanations ordered by feature, then method, then age; <paramref name="method"/> null
    /// for all methods.
    /// </summary>
    Task<IReadOnlyList<ExplanationRecord>> ListExplanationsAsync(string model, string sae, string? method, int offset, int count, CancellationToken cancellationToken);
}
