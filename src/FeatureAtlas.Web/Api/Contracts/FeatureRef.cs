namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A feature as Neuronpedia names it in requests: model, source (our SAE name; <c>layer</c> is accepted too) and index.</summary>
public sealed record FeatureRef(string? ModelId, string? Source, string? Layer, int Index)
{
    /// <summary>The SAE name, from <c>source</c> or <c>layer</c>.</summary>
    public string? Sae => Source ?? Layer;
}
