using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>An active feature at the position: activation (folded units), direct effect (null without a direct path), act × grad, exact total effect when measured.</summary>
public sealed record FeatureAttributionDto(
    [property: JsonPropertyName("sae")] string Sae,
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("layer")] int Layer,
    [property: JsonPropertyName("activation")] float Activation,
    [property: JsonPropertyName("direct")] float? Direct,
    [property: JsonPropertyName("act_times_grad")] float ActTimesGrad,
    [property: JsonPropertyName("exact_total")] float? ExactTotal);
