using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// <c>POST /api/graph/steer</c>, Neuronpedia's graph steer request (its <c>/api/steer-logits</c>): steer transcoder
/// <c>features</c> of the graph's model on <c>prompt</c> (BOS prepended, as graphs are built; a leading
/// <c>&lt;|endoftext|&gt;</c> in the text is taken as that BOS), generate <c>nTokens</c>, report <c>topK</c> logits per
/// token. <c>sourceSetName</c> names the transcoder set when the model has more than one transcoder per block.
/// </summary>
public sealed record GraphSteerRequest(
    [property: JsonPropertyName("modelId")] string? ModelId,
    [property: JsonPropertyName("prompt")] string? Prompt,
    [property: JsonPropertyName("features")] GraphSteerFeatureRequest?[]? Features,
    [property: JsonPropertyName("sourceSetName")] string? SourceSetName = null,
    [property: JsonPropertyName("nTokens")] int? NTokens = null,
    [property: JsonPropertyName("topK")] int? TopK = null,
    [property: JsonPropertyName("freezeAttention")] bool? FreezeAttention = null,
    [property: JsonPropertyName("temperature")] double? Temperature = null,
    [property: JsonPropertyName("freqPenalty")] double? FreqPenalty = null,
    [property: JsonPropertyName("seed")] double? Seed = null,
    [property: JsonPropertyName("steeredOutputOnly")] bool? SteeredOutputOnly = null);
