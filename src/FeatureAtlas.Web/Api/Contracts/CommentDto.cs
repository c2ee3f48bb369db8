namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A comment: its Markdown source text, author and feature.</summary>
public sealed record CommentDto(int Id, string ModelId, string Layer, int Index, string UserName, string Text, DateTimeOffset CreatedAt);
