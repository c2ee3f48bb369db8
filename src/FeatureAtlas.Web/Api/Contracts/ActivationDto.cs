namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>One text with the feature's activation per token (Neuronpedia's Activation): max first in lists.</summary>
public sealed record ActivationDto(string[] Tokens, float[] Values, float MaxValue, int MaxValueTokenIndex, float MinValue, float? BinMin = null, float? BinMax = null, double? BinContains = null);
