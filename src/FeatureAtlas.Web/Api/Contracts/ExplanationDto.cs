namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>An explanation as Neuronpedia returns it: description, type (our method) and the explainer model.</summary>
public sealed record ExplanationDto(int Id, string ModelId, string Layer, int Index, string Description, string TypeName, string? ExplanationModelName, string? AuthorName, int Votes, System.Text.Json.JsonElement? Scores, DateTimeOffset CreatedAt);
