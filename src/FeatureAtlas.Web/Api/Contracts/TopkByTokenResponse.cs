namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>search-topk-by-token's answer, Neuronpedia's shape.</summary>
public sealed record TopkByTokenResponse(string Source, TokenResultDto[] Results);
