namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>An explanation's vote total after the caller's vote.</summary>
public sealed record VoteDto(int Id, int Votes);
