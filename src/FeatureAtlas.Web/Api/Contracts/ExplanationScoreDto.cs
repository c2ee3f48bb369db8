namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>One score of an explanation, as Neuronpedia's ExplanationScore row; <c>jsonDetails</c> is the whole score object as text.</summary>
public sealed record ExplanationScoreDto(
    string Id, int ExplanationId, double Value, string ExplanationScoreTypeName, string ExplanationScoreModelName, string JsonDetails,
    string? InitiatedByUserId, DateTimeOffset CreatedAt);
