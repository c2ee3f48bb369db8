namespace FeatureAtlas.Core.Search;

/// <summary>
/// One feature over a text ("test this feature", Neuronpedia activation/new): the activation at every token [T],
/// and the maximum (first position on ties) and minimum over the counted positions.
/// </summary>
public sealed record FeatureActivations(float[] Values, float MaxValue, int MaxValueIndex, float MinValue);
