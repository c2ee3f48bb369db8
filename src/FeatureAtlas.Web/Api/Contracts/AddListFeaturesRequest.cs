namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/list/add-features</c>: at most 100 features (with optional notes) for list <c>listId</c>.</summary>
public sealed record AddListFeaturesRequest(string? ListId, FeatureRef[]? FeaturesToAdd);
