namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>POST /api/search-topk-by-token: one SAE's strongest features at each token of a text (<c>text</c> a string, or an array of up to 4: a batch).</summary>
public sealed record TopkByTokenRequest(string? ModelId, string? Source, System.Text.Json.JsonElement Text, int NumResults = 10, bool IgnoreBos = true, float DensityThreshold = 0.01f);
