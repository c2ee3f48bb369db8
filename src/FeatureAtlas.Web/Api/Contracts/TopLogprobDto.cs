namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>One alternative token and its log-probability; null when it is −∞ (JSON has no infinity).</summary>
public sealed record TopLogprobDto(string Token, float? Logprob);
