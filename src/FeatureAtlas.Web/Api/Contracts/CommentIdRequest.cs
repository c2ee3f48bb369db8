namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/comment/delete</c>: the comment to delete, as <c>id</c> (Neuronpedia's frontend) or <c>commentId</c>.</summary>
public sealed record CommentIdRequest(int? Id = null, int? CommentId = null);
