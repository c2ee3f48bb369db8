using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// POST /api/steer, in Neuronpedia's names: a prompt, the features (<c>layer</c> = SAE name) and/or custom vectors to
/// steer with, and the generation settings. Numbers accept NaN and Infinity literals only so that the answer can
/// name the field that is not finite. <c>steer_positions</c> and <c>skip_bos</c> are FeatureAtlas additions.
/// </summary>
public sealed record SteerRequest
{
    public string? Prompt { get; init; }

    public string? ModelId { get; init; }

    public SteerFeatureRequest[]? Features { get; init; }

    public SteerVectorRequest[]? Vectors { get; init; }

    [JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
    public double? Temperature { get; init; }

    [JsonPropertyName("n_tokens")]
    public int? NTokens { get; init; }

    [JsonPropertyName("freq_penalty")]
    [JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
    public double? FreqPenalty { get; init; }

    [JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
    public double? Seed { get; init; }

    [JsonPropertyName("strength_multiplier")]
    [JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
    public double? StrengthMultiplier { get; init; }

    [JsonPropertyName("steer_method")]
    public string? SteerMethod { get; init; }

    /// <summary>ALL (default), PROMPT or GENERATED.</summary>
    [JsonPropertyName("steer_positions")]
    public string? SteerPositions { get; init; }

    [JsonPropertyName("skip_bos")]
    public bool? SkipBos { get; init; }

    public bool Stream { get; init; }
}
