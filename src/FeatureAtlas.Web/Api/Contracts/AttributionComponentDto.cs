using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A residual component: <c>value</c> its direct effect, act × grad over all positions, exact total effect when measured, a head's direct effect by source position.</summary>
public sealed record AttributionComponentDto(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] float Value,
    [property: JsonPropertyName("act_times_grad")] float ActTimesGrad,
    [property: JsonPropertyName("exact_total")] float? ExactTotal,
    [property: JsonPropertyName("by_source"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float[]? BySource);
