namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// A comment as Neuronpedia's Comment row (<c>index</c> a string, <c>user</c> with its name): its Markdown source
/// text, author and feature. <c>userName</c> is ours.
/// </summary>
public sealed record CommentDto(int Id, string ModelId, string Layer, string Index, string Text, string UserId, UserNameDto User, string UserName, DateTimeOffset CreatedAt);
