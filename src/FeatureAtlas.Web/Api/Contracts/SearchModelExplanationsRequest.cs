namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/explanation/search-model</c>: words to find within one model's explanations, from <c>offset</c>.</summary>
public sealed record SearchModelExplanationsRequest(string? ModelId, string? Query, int? Offset = null);
