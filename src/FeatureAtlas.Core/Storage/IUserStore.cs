using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Core.Storage;

/// <summary>Users as the rest of the site sees them, and their API keys (accounts themselves are the web's identity system's).</summary>
public interface IUserStore
{
    /// <summary>A user by name (case-insensitive, as accounts normalise it), or null.</summary>
    Task<Actor?> FindUserAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Makes a user an admin (or not): done from the command line, never from the web. The user's sessions end, since
    /// their cookies carry the old role; they sign in again to get the new one.
    /// </summary>
    Task SetAdminAsync(string name, bool isAdmin, CancellationToken cancellationToken);

    /// <summary>Creates an API key for the user (at most <see cref="CommunityLimits.MaxApiKeysPerUser"/>); the key is returned once and only its hash is stored.</summary>
    Task<(string Key, ApiKeyInfo Info)> CreateApiKeyAsync(Actor actor, string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKeyInfo>> ListApiKeysAsync(int userId, CancellationToken cancellationToken);

    /// <summary>Deletes one of the user's keys; false when they have no key with that id.</summary>
    Task<bool> DeleteApiKeyAsync(Actor actor, int keyId, CancellationToken cancellationToken);

    /// <summary>The user an API key belongs to, or null for an unknown key. Compares hashes, never keys.</summary>
    Task<Actor?> AuthenticateApiKeyAsync(string key, CancellationToken cancellationToken);
}
