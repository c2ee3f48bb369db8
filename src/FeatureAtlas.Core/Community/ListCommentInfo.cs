namespace FeatureAtlas.Core.Community;

/// <summary>A comment on a list as shown: its text (plain; render it escaped), author and list.</summary>
public sealed record ListCommentInfo(int Id, string ListSlug, int UserId, string UserName, string Text, DateTimeOffset CreatedAt);
