using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// <c>POST /api/ablate</c>: set <c>features</c> to zero or a value at chosen positions on <c>prompt</c> (BOS prepended)
/// or <c>token_ids</c>, with each SAE's error term kept, and compare the next-token distribution at the last position
/// (or <c>position</c>) before and after; with <c>target</c> (and <c>distractor</c>) also the metric's change.
/// </summary>
public sealed record AblateRequest(
    [property: JsonPropertyName("modelId")] string? ModelId,
    [property: JsonPropertyName("prompt")] string? Prompt,
    [property: JsonPropertyName("features")] AblateFeatureRequest[]? Features,
    [property: JsonPropertyName("token_ids")] int[]? TokenIds = null,
    [property: JsonPropertyName("target")] string? Target = null,
    [property: JsonPropertyName("distractor")] string? Distractor = null,
    [property: JsonPropertyName("position")] int? Position = null,
    [property: JsonPropertyName("top_n")] int? TopN = null);
