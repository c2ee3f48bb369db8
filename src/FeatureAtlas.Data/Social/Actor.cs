namespace FeatureAtlas.Data.Social;

/// <summary>Who is asking for a write: a signed-in user, who may change only what they own unless an admin.</summary>
public sealed record Actor(int UserId, string UserName, bool IsAdmin)
{
    public bool Owns(int ownerId) => IsAdmin || ownerId == UserId;
}
