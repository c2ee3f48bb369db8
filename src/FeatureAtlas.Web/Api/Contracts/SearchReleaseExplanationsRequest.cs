namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/explanation/search-release</c>: words to find within one release's explanations (here: a source set), from <c>offset</c>.</summary>
public sealed record SearchReleaseExplanationsRequest(string? ReleaseName, string? Query, int? Offset = null);
