namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>One page of explanation search results, best match first, as Neuronpedia pages them.</summary>
public sealed record ExplanationSearchResponse(ExplanationDto[] Results, int ResultsCount, bool HasMore, int NextOffset);
