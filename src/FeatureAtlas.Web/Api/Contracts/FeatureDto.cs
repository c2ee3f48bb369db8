using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// A feature as <c>GET /api/feature/{model}/{sae}/{index}</c> returns it, with Neuronpedia's field names
/// (<c>layer</c> is the SAE's name, Neuronpedia's source id).
/// </summary>
public sealed record FeatureDto
{
    public required string ModelId { get; init; }
    public required string Layer { get; init; }
    public required int Index { get; init; }
    public required string HookName { get; init; }
    public required float MaxActApprox { get; init; }
    [JsonPropertyName("frac_nonzero")] public required double FracNonzero { get; init; }
    [JsonPropertyName("pos_str")] public required string[] PosStr { get; init; }
    [JsonPropertyName("pos_values")] public required float[] PosValues { get; init; }
    [JsonPropertyName("neg_str")] public required string[] NegStr { get; init; }
    [JsonPropertyName("neg_values")] public required float[] NegValues { get; init; }
    [JsonPropertyName("freq_hist_data_bar_heights")] public required long[] FreqHistDataBarHeights { get; init; }
    [JsonPropertyName("freq_hist_data_bar_values")] public required double[] FreqHistDataBarValues { get; init; }
    [JsonPropertyName("logits_hist_data_bar_heights")] public required long[] LogitsHistDataBarHeights { get; init; }
    [JsonPropertyName("logits_hist_data_bar_values")] public required double[] LogitsHistDataBarValues { get; init; }
    public required ActivationDto[] Activations { get; init; }
    public required ExplanationDto[] Explanations { get; init; }
    /// <summary>The corpus the dashboard was computed over and its token count.</summary>
    public string? Corpus { get; init; }
    public long CorpusTokens { get; init; }
}
