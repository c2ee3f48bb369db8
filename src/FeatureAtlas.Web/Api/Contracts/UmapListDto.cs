namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>GET /api/umap/{model}</c>: the model's SAEs that have a map of their own, and its joint maps.</summary>
public sealed record UmapListDto(string ModelId, string[] Saes, JointUmapInfoDto[] Joint);
