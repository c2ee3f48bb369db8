namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// One text's tokens (BOS first) and its active features: feature index (as a string key) to <c>[position, value]</c>
/// pairs, positions after BOS, as Neuronpedia's inference server answers.
/// </summary>
public sealed record ActivationSourceResult(string[] Tokens, Dictionary<string, float[][]> ActiveFeatures);
