using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// One feature of a graph steer request, in Neuronpedia's snake_case: transcoder feature <c>index</c> of block
/// <c>layer</c>, set to its activation at <c>token_active_position</c> plus <c>delta</c>, or ablated, at prompt position
/// <c>steer_position</c> or on every generated token (<c>steer_generated_tokens</c>).
/// </summary>
public sealed record GraphSteerFeatureRequest(
    [property: JsonPropertyName("layer")] int? Layer,
    [property: JsonPropertyName("index")] int? Index,
    [property: JsonPropertyName("token_active_position")] int? TokenActivePosition,
    [property: JsonPropertyName("steer_position")] int? SteerPosition,
    [property: JsonPropertyName("steer_generated_tokens")] bool? SteerGeneratedTokens,
    [property: JsonPropertyName("delta")] double? Delta,
    [property: JsonPropertyName("ablate")] bool? Ablate);
