using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// Neuronpedia's graph steer response. The generations are the prompt's text followed by the generated text (BOS left
/// out). The LOGITS_BY_TOKEN lists hold one entry per token of the sequence, BOS and prompt included (so index i is
/// graph position ctx_idx i): entries before the last prompt token have empty <c>top_logits</c>; from the last prompt
/// token on, each holds the top next-token probabilities after that token. With <c>steeredOutputOnly</c> the DEFAULT
/// fields are empty.
/// </summary>
public sealed record GraphSteerResponse(
    [property: JsonPropertyName("DEFAULT_GENERATION")] string DefaultGeneration,
    [property: JsonPropertyName("STEERED_GENERATION")] string SteeredGeneration,
    [property: JsonPropertyName("DEFAULT_LOGITS_BY_TOKEN")] IReadOnlyList<GraphSteerTokenLogits> DefaultLogitsByToken,
    [property: JsonPropertyName("STEERED_LOGITS_BY_TOKEN")] IReadOnlyList<GraphSteerTokenLogits> SteeredLogitsByToken);
