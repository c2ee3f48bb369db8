using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// A steering run in Neuronpedia's shape: both texts (prompt then generated text), the per-token logprobs of the
/// generated tokens, and the saved run's id and share link. Streamed frames carry the texts so far with null
/// logprobs, id and link; the last frame is the whole answer with <c>done</c> true.
/// </summary>
public sealed record SteerResponse(
    [property: JsonPropertyName("STEERED")] string Steered,
    [property: JsonPropertyName("DEFAULT")] string Default,
    IReadOnlyList<LogprobDto>? SteeredLogProbs,
    IReadOnlyList<LogprobDto>? DefaultLogProbs,
    string? Id,
    string? ShareUrl)
{
    /// <summary>Whether the answer came from the saved run of the same settings.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Cached { get; init; }

    /// <summary>Set only on streamed frames: false while generating, true on the last.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Done { get; init; }
}
