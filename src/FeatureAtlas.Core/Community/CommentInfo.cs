namespace FeatureAtlas.Core.Community;

/// <summary>A comment as shown: its Markdown source text (render it sanitised), author and feature.</summary>
public sealed record CommentInfo(int Id, FeatureKey Feature, int UserId, string UserName, string Text, DateTimeOffset CreatedAt);
