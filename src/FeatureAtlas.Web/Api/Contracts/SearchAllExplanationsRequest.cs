namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/explanation/search-all</c>: words to find in every model's explanations, from <c>offset</c>.</summary>
public sealed record SearchAllExplanationsRequest(string? Query, int? Offset = null);
