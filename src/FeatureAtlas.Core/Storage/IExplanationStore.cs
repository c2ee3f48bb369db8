using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Core.Storage;

/// <summary>
/// Explanations of SAEs' features: machine ones saved by jobs, people's own, and full-text search over all of them.
/// An unknown model, SAE or feature named by a call raises <see cref="KeyNotFoundException"/> naming it.
/// </summary>
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

    /// <summary>Adds a person's explanation of a feature (method <c>manual</c>), at most <see cref="CommunityLimits.MaxExplanation"/> characters.</summary>
    Task<ExplanationRecord> AddManualExplanationAsync(Actor actor, FeatureKey feature, string text, CancellationToken cancellationToken);

    /// <summary>Deletes an explanation: its author or an admin only (machine explanations: admins only); false when there is none.</summary>
    Task<bool> DeleteExplanationAsync(Actor actor, int explanationId, CancellationToken cancellationToken);

    /// <summary>
    /// Adds a score to an explanation's scores (under <c>scored</c>, beside those its explainer wrote); a second score of
    /// the same type and scorer model is an <see cref="ArgumentException"/> (as Neuronpedia refuses it), an unknown
    /// explanation a <see cref="KeyNotFoundException"/>.
    /// </summary>
    Task AddExplanationScoreAsync(int explanationId, ExplanationScoreRecord score, CancellationToken cancellationToken);

    /// <summary>One explanation by id, with its feature, author, scores and vote total; null when there is none.</summary>
    Task<ExplanationRecord?> GetExplanationAsync(int explanationId, CancellationToken cancellationToken);

    /// <summary>A feature's explanations, best first: most votes, then newest.</summary>
    Task<IReadOnlyList<ExplanationRecord>> ListFeatureExplanationsAsync(FeatureKey feature, CancellationToken cancellationToken);

    /// <summary>
    /// Full-text search over explanation text, best matches first, <see cref="ExplanationSearch.PageSize"/> a page:
    /// everywhere, within one <paramref name="model"/>, or within some of its SAEs (<paramref name="saes"/>,
    /// Neuronpedia's <c>layers</c>). An unknown model gives no results; SAEs need their model.
    /// </summary>
    Task<(IReadOnlyList<ExplanationRecord> Results, bool HasMore)> SearchExplanationsAsync(
        string? model, IReadOnlyCollection<string>? saes, string query, int offset, CancellationToken cancellationToken);

    /// <summary>The best explanation (most votes, then newest) of each of the given features that has one.</summary>
    Task<IReadOnlyDictionary<FeatureKey, string>> BestExplanationsAsync(IReadOnlyCollection<FeatureKey> features, CancellationToken cancellationToken);
}
