namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A feature named the Neuronpedia way (<c>layer</c> is the SAE's name), with an optional note (<c>description</c>).</summary>
public sealed record FeatureRef(string? ModelId, string? Layer, int? Index, string? Description = null);
