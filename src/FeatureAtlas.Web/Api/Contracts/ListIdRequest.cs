namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/list/get</c> and <c>/api/list/delete</c>: a list by its id (the slug in its URL).</summary>
public sealed record ListIdRequest(string? ListId);
