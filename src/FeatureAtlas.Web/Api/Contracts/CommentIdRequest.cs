namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/comment/delete</c>: the comment to delete.</summary>
public sealed record CommentIdRequest(int? CommentId);
