namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>POST /api/search-topk-by-token: one SAE's strongest features at each token of a text.</summary>
public sealed record TopkByTokenRequest(string? ModelId, string? Source, string? Text, int NumResults = 10, bool IgnoreBos = true, float DensityThreshold = 0.01f);
