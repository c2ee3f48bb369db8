using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// The <c>atlas attribute --json</c> contract: the logit difference, the components' direct effects (which sum to it:
/// <c>sums_to_logit_diff</c>), every active feature's direct effect and act × grad, each SAE's error term, and the
/// exact total effect of the nodes measured (null for the rest). SAEs are named as stored (their page URLs).
/// </summary>
public sealed record AttributeResponse(
    [property: JsonPropertyName("modelId")] string ModelId,
    [property: JsonPropertyName("tokens")] string[] Tokens,
    [property: JsonPropertyName("token_ids")] int[] TokenIds,
    [property: JsonPropertyName("position")] int Position,
    [property: JsonPropertyName("target")] TokenDto Target,
    [property: JsonPropertyName("distractor")] TokenDto? Distractor,
    [property: JsonPropertyName("logit_diff")] float LogitDiff,
    [property: JsonPropertyName("component_sum")] float ComponentSum,
    [property: JsonPropertyName("sums_to_logit_diff")] bool SumsToLogitDiff,
    [property: JsonPropertyName("components")] IReadOnlyList<AttributionComponentDto> Components,
    [property: JsonPropertyName("features")] IReadOnlyList<FeatureAttributionDto> Features,
    [property: JsonPropertyName("sae_errors")] IReadOnlyList<SaeErrorDto> SaeErrors);
