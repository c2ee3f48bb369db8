using System.Text.Json.Serialization;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// One ranked feature (<c>index</c> a string, as Neuronpedia's): its activation at every token, maximum and where; with its density and best explanation, and
/// (ranking <c>relative</c> only) its ranking key over its stored max_act. <c>layer</c> is the SAE's Neuronpedia source
/// id; <c>sae</c> (ours) its name on this site, as the feature page's address has it.
/// </summary>
public sealed record SearchResultDto(
    string ModelId, string Layer, string Index, float[] Values, float MaxValue, int MaxValueIndex, float SumValue, int HookLayer,
    [property: JsonPropertyName("frac_nonzero")] float? FracNonzero, string? Explanation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? RelativeToMax = null, string? Sae = null);
