namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/explanation/{id}/vote</c>: +1, −1, or 0 to withdraw the caller's vote; no <c>points</c> (Neuronpedia's <c>{}</c>) is +1.</summary>
public sealed record VoteRequest(int? Points = null);
