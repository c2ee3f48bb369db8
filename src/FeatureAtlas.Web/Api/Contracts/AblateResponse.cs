using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// The next-token distribution at <c>position</c> before and after the edits: the top N of each with both
/// probabilities, KL(before ‖ after) in nats, the target's probabilities and the metric (logit(target) −
/// logit(distractor), or logit(target)) before, after and its change (null without a target), and every edit as applied.
/// </summary>
public sealed record AblateResponse(
    [property: JsonPropertyName("modelId")] string ModelId,
    [property: JsonPropertyName("tokens")] string[] Tokens,
    [property: JsonPropertyName("token_ids")] int[] TokenIds,
    [property: JsonPropertyName("position")] int Position,
    [property: JsonPropertyName("target")] TokenDto? Target,
    [property: JsonPropertyName("distractor")] TokenDto? Distractor,
    [property: JsonPropertyName("metric_before")] float? MetricBefore,
    [property: JsonPropertyName("metric_after")] float? MetricAfter,
    [property: JsonPropertyName("metric_change")] float? MetricChange,
    [property: JsonPropertyName("target_prob_before")] float? TargetProbBefore,
    [property: JsonPropertyName("target_prob_after")] float? TargetProbAfter,
    [property: JsonPropertyName("kl")] double Kl,
    [property: JsonPropertyName("top_before")] IReadOnlyList<TokenChangeDto> TopBefore,
    [property: JsonPropertyName("top_after")] IReadOnlyList<TokenChangeDto> TopAfter,
    [property: JsonPropertyName("features")] IReadOnlyList<AblatedFeatureDto> Features);
