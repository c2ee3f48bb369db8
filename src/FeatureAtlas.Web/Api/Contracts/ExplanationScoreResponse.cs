namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>Neuronpedia's answer to explanation/score: <c>{score: ExplanationScore}</c>.</summary>
public sealed record ExplanationScoreResponse(ExplanationScoreDto Score);
