namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// <c>GET /api/umap/{model}/joint/{name}</c>: a joint map (one UMAP of several SAEs' features) as parallel arrays:
/// each point's SAE as a position in <see cref="Saes"/>, its feature index, x, y, and frac_nonzero (null when none
/// of the SAEs has dashboards; −1 for a feature without one); SAE by SAE in the map's order.
/// </summary>
public sealed record JointUmapDto(string ModelId, string Name, string[] Saes, int[] Sae, int[] Index, float[] X, float[] Y, float[]? FracNonzero);
