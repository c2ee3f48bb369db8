namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// One stored example text as Neuronpedia's Activation row: <c>maxValue</c>/<c>maxValueTokenIndex</c> are the maximum
/// of <c>values</c> and its first position, <c>qualifyingTokenIndex</c> the token the example was chosen for (for
/// interval examples not always the maximum), <c>binMin</c>/<c>binMax</c>/<c>binContains</c> the activation interval
/// it was sampled from (null for top examples), <c>index</c> a string. <c>source</c> repeats <c>layer</c>: Neuronpedia's
/// Python client reads it (its server does not send it).
/// </summary>
public sealed record FeatureActivationDto(
    string Id, string ModelId, string Layer, string Source, string Index, ExampleTokens Tokens, ExampleValues Values, float MaxValue,
    int MaxValueTokenIndex, float MinValue, int QualifyingTokenIndex, float? BinMin, float? BinMax, double? BinContains,
    string? DataIndex, string? DataSource, float[] DfaValues, int? DfaTargetIndex, float? DfaMaxValue, string? CreatorId);
