namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// <c>POST /api/explanation/search</c>: words to find (at least 3 characters), optionally within one model and, as
/// Neuronpedia's <c>layers</c>, within some of its SAEs (their names), from <c>offset</c>.
/// </summary>
public sealed record SearchExplanationsRequest(string? ModelId, string? Query, int? Offset = null, string[]? Layers = null);
