namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// <c>POST /api/list/new</c> and <c>/api/list/new-with-features</c>: a list's name, Markdown description, default
/// test text and visibility (public unless <c>isPublic</c> is false: then unlisted, readable only by its id).
/// </summary>
public sealed record NewListRequest(string? Name, string? Description = null, string? TestText = null, bool? IsPublic = null, FeatureRef[]? Features = null);
