using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>An SAE's error term x − x̂ at the position, read out like a feature.</summary>
public sealed record SaeErrorDto(
    [property: JsonPropertyName("sae")] string Sae,
    [property: JsonPropertyName("direct")] float? Direct,
    [property: JsonPropertyName("act_times_grad")] float ActTimesGrad);
