using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// A feature as <c>GET /api/feature/{model}/{sae}/{index}</c> returns it: Neuronpedia's Neuron row with the relations
/// its route includes (<c>model</c>, <c>source</c>, <c>sourceSet</c>, <c>lists</c>, <c>comments</c>, activations
/// maximum first, explanations), field names and types as Neuronpedia's (<c>index</c> is a string); <c>layer</c> is
/// the SAE's source id. <c>corpus</c> and <c>corpusTokens</c> are ours.
/// </summary>
public sealed record FeatureDto
{
    public required string ModelId { get; init; }
    public required string Layer { get; init; }
    public required string Index { get; init; }
    public required string SourceSetName { get; init; }
    public string? CreatorId { get; init; }
    public required string HookName { get; init; }
    public required float MaxActApprox { get; init; }
    public bool HasVector { get; init; }
    public float[] Vector { get; init; } = [];
    public string? VectorLabel { get; init; }
    public float? VectorDefaultSteerStrength { get; init; } = 10;
    public required int[] TopkCosSimIndices { get; init; }
    public required float[] TopkCosSimValues { get; init; }
    [JsonPropertyName("neuron_alignment_indices")] public int[] NeuronAlignmentIndices { get; init; } = [];
    [JsonPropertyName("neuron_alignment_values")] public float[] NeuronAlignmentValues { get; init; } = [];
    [JsonPropertyName("neuron_alignment_l1")] public float[] NeuronAlignmentL1 { get; init; } = [];
    [JsonPropertyName("correlated_neurons_indices")] public int[] CorrelatedNeuronsIndices { get; init; } = [];
    [JsonPropertyName("correlated_neurons_pearson")] public float[] CorrelatedNeuronsPearson { get; init; } = [];
    [JsonPropertyName("correlated_neurons_l1")] public float[] CorrelatedNeuronsL1 { get; init; } = [];
    [JsonPropertyName("correlated_features_indices")] public int[] CorrelatedFeaturesIndices { get; init; } = [];
    [JsonPropertyName("correlated_features_pearson")] public float[] CorrelatedFeaturesPearson { get; init; } = [];
    [JsonPropertyName("correlated_features_l1")] public float[] CorrelatedFeaturesL1 { get; init; } = [];
    [JsonPropertyName("decoder_weights_dist")] public float[] DecoderWeightsDist { get; init; } = [];
    [JsonPropertyName("frac_nonzero")] public required double FracNonzero { get; init; }
    [JsonPropertyName("pos_str")] public required string[] PosStr { get; init; }
    [JsonPropertyName("pos_values")] public required float[] PosValues { get; init; }
    [JsonPropertyName("neg_str")] public required string[] NegStr { get; init; }
    [JsonPropertyName("neg_values")] public required float[] NegValues { get; init; }
    [JsonPropertyName("freq_hist_data_bar_heights")] public required long[] FreqHistDataBarHeights { get; init; }
    [JsonPropertyName("freq_hist_data_bar_values")] public required double[] FreqHistDataBarValues { get; init; }
    [JsonPropertyName("logits_hist_data_bar_heights")] public required long[] LogitsHistDataBarHeights { get; init; }
    [JsonPropertyName("logits_hist_data_bar_values")] public required double[] LogitsHistDataBarValues { get; init; }
    [JsonPropertyName("umap_cluster")] public int? UmapCluster { get; init; }
    [JsonPropertyName("umap_log_feature_sparsity")] public float? UmapLogFeatureSparsity { get; init; }
    [JsonPropertyName("umap_x")] public float? UmapX { get; init; }
    [JsonPropertyName("umap_y")] public float? UmapY { get; init; }
    public required ModelDto Model { get; init; }
    public required SourceDto Source { get; init; }
    public required SourceSetDto SourceSet { get; init; }
    public required FeatureListLinkDto[] Lists { get; init; }
    public required CommentDto[] Comments { get; init; }
    public required FeatureActivationDto[] Activations { get; init; }
    public required ExplanationDto[] Explanations { get; init; }
    /// <summary>Ours: token-set enrichment, prefix and induction tests (<c>atlas analyze</c>); null until they ran.</summary>
    [JsonPropertyName("analysis")] public FeatureAnalysisDto? Analysis { get; init; }
    /// <summary>The corpus the dashboard was computed over and its token count.</summary>
    public string? Corpus { get; init; }
    public long CorpusTokens { get; init; }
}
