namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A generated token, its log-probability and the most likely alternatives at that step (Neuronpedia's NPLogprob).</summary>
public sealed record LogprobDto(string Token, float? Logprob, IReadOnlyList<TopLogprobDto> TopLogprobs);
