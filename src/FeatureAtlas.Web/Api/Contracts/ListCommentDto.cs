namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A comment on a list, as Neuronpedia's ListComment row with its <c>user</c>.</summary>
public sealed record ListCommentDto(int Id, string ListId, string Text, string UserId, UserNameDto User, DateTimeOffset CreatedAt);
