namespace FeatureAtlas.Data.Entities;

/// <summary>A user's comment on a list (table <c>list_comments</c>), Neuronpedia's ListComment.</summary>
public sealed class ListCommentEntity
{
    public int Id { get; set; }

    public int ListId { get; set; }

    public int UserId { get; set; }

    public required string Text { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
