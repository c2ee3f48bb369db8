using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>One feature to edit: <c>value</c> in the dashboards' (folded) activation units, absent or null to zero it; <c>positions</c> absent for every position.</summary>
public sealed record AblateFeatureRequest(
    [property: JsonPropertyName("sae")] string? Sae,
    [property: JsonPropertyName("index")] int? Index,
    [property: JsonPropertyName("value")] float? Value = null,
    [property: JsonPropertyName("positions")] int[]? Positions = null);
