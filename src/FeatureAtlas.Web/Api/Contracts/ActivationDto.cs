namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// One text with the feature's activation per token (Neuronpedia's Activation): max first in lists. activation/new
/// also names the feature (<c>modelId</c>, <c>layer</c>, <c>index</c> a string), as Neuronpedia's does.
/// </summary>
public sealed record ActivationDto(
    string[] Tokens, float[] Values, float MaxValue, int MaxValueTokenIndex, float MinValue, float? BinMin = null, float? BinMax = null,
    double? BinContains = null, string? ModelId = null, string? Layer = null, string? Index = null)
{
    /// <summary>For an SAE on attn.hook_z: each token's direct feature attribution at <see cref="DfaTargetIndex"/> (Neuronpedia's dfaValues); else null.</summary>
    public float[]? DfaValues { get; init; }

    /// <summary>The destination token of the DFA: where the feature is largest.</summary>
    public int? DfaTargetIndex { get; init; }

    /// <summary>The largest |DFA value|, which scales the bars.</summary>
    public float? DfaMaxValue { get; init; }
}
