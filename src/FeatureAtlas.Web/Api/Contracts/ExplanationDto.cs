using System.Text.Json;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// An explanation as Neuronpedia returns it: description, type (our method), explainer model, <c>scores</c> as
/// ExplanationScore rows and <c>triggeredByUser</c> (the person who wrote it; null when a job did). <c>index</c> is a
/// string; <c>source</c> repeats <c>layer</c> for Neuronpedia's Python client. <c>scoreDetails</c> is our scores object.
/// </summary>
public sealed record ExplanationDto(
    int Id, string ModelId, string Layer, string Source, string Index, string Description, string TypeName, string? ExplanationModelName,
    string? AuthorName, int Votes, ExplanationScoreDto[] Scores, UserNameDto? TriggeredByUser, JsonElement? ScoreDetails, DateTimeOffset CreatedAt);
