using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// <c>POST /api/attribute</c>: why the model gives <c>target</c> (rather than <c>distractor</c>) after <c>prompt</c>
/// (BOS prepended) or <c>token_ids</c> (used as given), at the last position or <c>position</c>. <c>saes</c> names the
/// model's SAEs whose features to attribute (default: every SAE that runs live); <c>exact_top</c> (default 20, at most
/// 50) heads, MLPs and features get their exact total effect by ablation. With <c>stream</c> the answer is NDJSON: an
/// <c>{"type": "estimates", "result"}</c> frame without the exact effects as soon as they are known (when
/// <c>exact_top</c> &gt; 0), then <c>{"type": "done", "result"}</c>, each result shaped as the plain answer; a failure
/// after the first frame is an <c>{"type": "error", "detail"}</c> frame.
/// </summary>
public sealed record AttributeRequest(
    [property: JsonPropertyName("modelId")] string? ModelId,
    [property: JsonPropertyName("prompt")] string? Prompt,
    [property: JsonPropertyName("token_ids")] int[]? TokenIds,
    [property: JsonPropertyName("target")] string? Target,
    [property: JsonPropertyName("distractor")] string? Distractor = null,
    [property: JsonPropertyName("position")] int? Position = null,
    [property: JsonPropertyName("saes")] string[]? Saes = null,
    [property: JsonPropertyName("exact_top")] int? ExactTop = null,
    [property: JsonPropertyName("stream")] bool Stream = false);
