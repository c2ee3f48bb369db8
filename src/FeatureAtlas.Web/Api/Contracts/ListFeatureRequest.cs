namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/list/remove</c> and <c>/api/list/edit-feature</c>: one feature of a list, and its new note.</summary>
public sealed record ListFeatureRequest(string? ListId, string? ModelId, string? Layer, int? Index, string? Description = null);
