namespace FeatureAtlas.Data.Entities;

/// <summary>A user's comment on a feature (table <c>comments</c>).</summary>
public sealed class CommentEntity
{
    public int Id { get; set; }

    public int UserId { get; set; }

    public int SaeId { get; set; }

    public int FeatureIndex { get; set; }

    public required string Text { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
