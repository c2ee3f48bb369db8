namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>GET /api/feature/{model}/{sae}/{index}/explanation</c>: the best explanation only (what a map hover shows).</summary>
public sealed record FeatureExplanationDto(string ModelId, string Layer, int Index, string? Description);
