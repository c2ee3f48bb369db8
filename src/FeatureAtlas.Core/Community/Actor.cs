namespace FeatureAtlas.Core.Community;

/// <summary>Who is asking for a write: a signed-in user, who may change only what they own unless an admin.</summary>
public sealed record Actor(int UserId, string UserName, bool IsAdmin)
{
    /// <summary>Whether the actor may change or delete what <paramref name="ownerId"/> owns (null: made by a job, so admins only).</summary>
    public bool Owns(int? ownerId) => IsAdmin || ownerId == UserId;

    /// <summary>
    /// Checks a vote of <paramref name="points"/> (+1, −1, or 0 to withdraw one) on an explanation by
    /// <paramref name="authorId"/>: nobody votes on their own.
    /// </summary>
    public void CheckVote(int? authorId, int points)
    {
        if (points is < -1 or > 1) throw new ArgumentException($"A vote is +1, -1 or 0; got {points}.");
        if (points != 0 && authorId == UserId) throw new ForbiddenException("You cannot vote on your own explanation.");
    }
}
