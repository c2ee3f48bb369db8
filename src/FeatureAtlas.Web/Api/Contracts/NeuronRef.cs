using System.Text.Json;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// The <c>neuron</c> of Neuronpedia's frontend's activation/new: the whole feature as <c>GET /api/feature</c> gave it
/// (its other fields are ignored). The SAE is <c>layer</c>; <c>source</c> is read only when it is a string (in the
/// feature JSON it is the Source object).
/// </summary>
public sealed record NeuronRef(string? ModelId, string? Layer, int? Index, JsonElement? Source = null)
{
    public string? Sae => Layer ?? (Source is { ValueKind: JsonValueKind.String } source ? source.GetString() : null);
}
