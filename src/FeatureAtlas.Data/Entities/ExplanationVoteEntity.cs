namespace FeatureAtlas.Data.Entities;

/// <summary>A user's vote on an explanation (table <c>explanation_votes</c>): +1 or −1, at most one per (explanation, user).</summary>
public sealed class ExplanationVoteEntity
{
    public int ExplanationId { get; set; }
    public int UserId { get; set; }
    public int Points { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
