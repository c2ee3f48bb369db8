namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/list/update</c>: a list's new name, description, default test text and visibility (unchanged when omitted).</summary>
public sealed record UpdateListRequest(string? ListId, string? Name, string? Description, string? DefaultTestText = null, bool? IsPublic = null);
