using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A token of a graph steer sequence and the top next-token probabilities after it (empty inside the prompt).</summary>
public sealed record GraphSteerTokenLogits(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("top_logits")] IReadOnlyList<GraphSteerTopLogit> TopLogits);
