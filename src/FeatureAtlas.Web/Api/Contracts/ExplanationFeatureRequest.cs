namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>The feature and text of a new explanation.</summary>
public sealed record ExplanationFeatureRequest(string? ModelId, string? Layer, int? Index, string? Explanation);
