namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// An explanation's vote total after the caller's vote (<c>id</c> and <c>votes</c>, ours), with Neuronpedia's Vote
/// row fields: <c>explanationId</c>, <c>voterId</c> and the caller's <c>points</c> (0 once withdrawn).
/// </summary>
public sealed record VoteDto(int Id, int Votes, int ExplanationId, string VoterId, int Points);
