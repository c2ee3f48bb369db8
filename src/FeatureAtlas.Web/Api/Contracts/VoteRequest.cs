namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/explanation/{id}/vote</c>: +1, −1, or 0 to withdraw the caller's vote.</summary>
public sealed record VoteRequest(int? Points);
