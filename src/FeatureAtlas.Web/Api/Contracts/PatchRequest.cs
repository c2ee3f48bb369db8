using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// <c>POST /api/patch</c>: clean and corrupted prompts of equal length (text with BOS prepended, or <c>clean_ids</c> and
/// <c>corrupted_ids</c> used as given), the metric logit(target) − logit(distractor) at the last position.
/// <c>method</c>: <c>exact</c> (default, one forward pass per cell), <c>attribution</c> (the gradient estimate) or
/// <c>both</c> (with each grid's correlation).
/// </summary>
public sealed record PatchRequest(
    [property: JsonPropertyName("modelId")] string? ModelId,
    [property: JsonPropertyName("clean")] string? Clean,
    [property: JsonPropertyName("corrupted")] string? Corrupted,
    [property: JsonPropertyName("target")] string? Target,
    [property: JsonPropertyName("distractor")] string? Distractor,
    [property: JsonPropertyName("clean_ids")] int[]? CleanIds = null,
    [property: JsonPropertyName("corrupted_ids")] int[]? CorruptedIds = null,
    [property: JsonPropertyName("method")] string? Method = null);
