namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// POST /api/explanation/score, Neuronpedia's body: the explanation (its id, a number or a string of one), the scorer
/// model (<c>offline</c>, or any other name for the server's configured model when it has one) and the scorer type
/// (<c>recall_alt</c>, <c>eleuther_recall</c>, <c>eleuther_fuzz</c>).
/// </summary>
public sealed record ScoreExplanationRequest(int? ExplanationId, string? ScorerModel, string? ScorerType);
