namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/explanation/search</c>: words to find (at least 3 characters), optionally within one model, from <c>offset</c>.</summary>
public sealed record SearchExplanationsRequest(string? ModelId, string? Query, int? Offset = null);
