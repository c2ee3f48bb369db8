namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// <c>GET /api/feature/{model}/{sae}/{index}/similar</c>: for each SAE of the model (the feature's own first), the
/// features nearest by decoder cosine, best first.
/// </summary>
public sealed record SimilarFeaturesDto(string ModelId, string Layer, int Index, SimilarSaeDto[] Saes);

/// <summary>One SAE's nearest features to the query.</summary>
public sealed record SimilarSaeDto(string Layer, SimilarFeatureDto[] Features);

/// <summary>A feature, its decoder cosine to the query, and its best explanation if it has one.</summary>
public sealed record SimilarFeatureDto(string ModelId, string Layer, int Index, float Cosine, string? Description);
