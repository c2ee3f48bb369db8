namespace FeatureAtlas.Web.Api.Contracts;

/// <summary><c>POST /api/comment/new</c>: Markdown text on a feature.</summary>
public sealed record NewCommentRequest(string? ModelId, string? Layer, int? Index, string? Text);
