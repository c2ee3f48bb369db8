namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/list/comment/new</c> (<c>listId</c>, <c>text</c>) and <c>/delete</c> (<c>commentId</c>).</summary>
public sealed record ListCommentRequest(string? ListId = null, string? Text = null, int? CommentId = null);
