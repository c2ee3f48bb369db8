using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// The <c>atlas patch --json</c> contract: raw clean and corrupted metrics and the normalised grids (clean = 1,
/// corrupted = 0) <c>resid_pre</c>, <c>attn_out</c>, <c>mlp_out</c> [L][T] and <c>heads</c> [L][H]; with method
/// <c>both</c> also <c>attribution</c> (the estimate's grids) and <c>correlation</c> (Pearson r per grid, null when undefined).
/// </summary>
public sealed record PatchResponse(
    [property: JsonPropertyName("modelId")] string ModelId,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("tokens")] string[] Tokens,
    [property: JsonPropertyName("corrupted_tokens")] string[] CorruptedTokens,
    [property: JsonPropertyName("target")] TokenDto Target,
    [property: JsonPropertyName("distractor")] TokenDto Distractor,
    [property: JsonPropertyName("clean_metric")] float CleanMetric,
    [property: JsonPropertyName("corrupted_metric")] float CorruptedMetric,
    [property: JsonPropertyName("resid_pre")] float[][] ResidPre,
    [property: JsonPropertyName("attn_out")] float[][] AttnOut,
    [property: JsonPropertyName("mlp_out")] float[][] MlpOut,
    [property: JsonPropertyName("heads")] float[][] Heads,
    [property: JsonPropertyName("attribution"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PatchGridsDto? Attribution = null,
    [property: JsonPropertyName("correlation"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, double?>? Correlation = null);
