namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// One text with the feature's activation per token (Neuronpedia's Activation): max first in lists. activation/new
/// also names the feature (<c>modelId</c>, <c>layer</c>, <c>index</c> a string), as Neuronpedia's does.
/// </summary>
public sealed record ActivationDto(
    string[] Tokens, float[] Values, float MaxValue, int MaxValueTokenIndex, float MinValue, float? BinMin = null, float? BinMax = null,
    double? BinContains = null, string? ModelId = null, string? Layer = null, string? Index = null);
