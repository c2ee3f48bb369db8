namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// <c>GET /api/umap/{model}/{sae}</c>: an SAE's map as parallel arrays (compact for 25k+ points): feature
/// indexes, x, y, and frac_nonzero per point (null when the SAE has no dashboards; −1 for a feature without one).
/// </summary>
public sealed record UmapDto(string ModelId, string Layer, int[] Index, float[] X, float[] Y, float[]? FracNonzero);
