namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// <c>POST /api/explanation/new</c>: Neuronpedia's nested <c>{feature:{modelId, layer, index, explanation}}</c>, or
/// the same four fields at the top level.
/// </summary>
public sealed record NewExplanationRequest(ExplanationFeatureRequest? Feature, string? ModelId = null, string? Layer = null, int? Index = null, string? Explanation = null);
