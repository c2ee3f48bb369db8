using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>An edit as applied at one position: the activation found there in the edited run (folded units) and the value set.</summary>
public sealed record AblatedFeatureDto(
    [property: JsonPropertyName("sae")] string Sae,
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("position")] int Position,
    [property: JsonPropertyName("found")] float Found,
    [property: JsonPropertyName("set")] float Set);
