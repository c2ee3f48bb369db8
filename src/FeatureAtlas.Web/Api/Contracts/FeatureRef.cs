namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// A feature named the Neuronpedia way: model, SAE (<c>layer</c>, or <c>source</c> as activation/new calls it) and
/// index, with an optional note (<c>description</c>) where a list holds it.
/// </summary>
public sealed record FeatureRef(string? ModelId, string? Layer, int? Index, string? Description = null, string? Source = null)
{
    /// <summary>The SAE name, from <c>layer</c> or <c>source</c>.</summary>
    public string? Sae => Layer ?? Source;
}
