using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>Users as the rest of the site sees them, and their API keys (accounts themselves are ASP.NET Core Identity's).</summary>
public sealed class UserStore(AtlasDatabase database) : Store(database), IUserStore
{
    /// <summary>A user by name (case-insensitive, as Identity normalises it), or null.</summary>
    public async Task<Actor?> FindUserAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = name.ToUpperInvariant();
        await using var db = CreateContext();
        var row = await db.Users.AsNoTracking().Where(u => u.NormalizedUserName == normalized)
            .Select(u => new { u.Id, u.UserName, u.IsAdmin }).SingleOrDefaultAsync(cancellationToken);
        return row is null ? null : new Actor(row.Id, row.UserName!, row.IsAdmin);
    }

    /// <summary>
    /// Makes a user an admin (or not): done from the command line, never from the web. A new security stamp ends the
    /// user's sessions, whose cookies carry the old role; they sign in again to get the new one.
    /// </summary>
    public async Task SetAdminAsync(string name, bool isAdmin, CancellationToken cancellationToken)
    {
        var normalized = name.ToUpperInvariant();
        var stamp = Guid.NewGuid().ToString("N").ToUpperInvariant();
        await using var db = CreateContext();
        var changed = await db.Users.Where(u => u.NormalizedUserName == normalized).ExecuteUpdateAsync(s => s
            .SetProperty(u => u.IsAdmin, isAdmin)
            .SetProperty(u => u.SecurityStamp, stamp)
            .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()), cancellationToken);
        if (changed == 0) throw new KeyNotFoundException($"User '{name}' does not exist.");
    }

    /// <summary>Creates an API key for the user; the key is returned once and only its hash is stored.</summary>
    public async Task<(string Key, ApiKeyInfo Info)> CreateApiKeyAsync(Actor actor, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        name = UserText.Required(name, "key name", CommunityLimits.MaxApiKeyName);
        await using var db = CreateContext();
        if (await db.ApiKeys.CountAsync(k => k.UserId == actor.UserId, cancellationToken) >= CommunityLimits.MaxApiKeysPerUser)
        {
            throw new ArgumentException($"You already have {CommunityLimits.MaxApiKeysPerUser} API keys; delete one first.");
        }
        var key = ApiKeys.New();
        var row = new ApiKeyEntity { UserId = actor.UserId, Name = name, Prefix = ApiKeys.Shown(key), Hash = ApiKeys.Hash(key), CreatedAt = Now() };
        db.ApiKeys.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return (key, new ApiKeyInfo(row.Id, row.Name, row.Prefix, row.CreatedAt, null));
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListApiKeysAsync(int userId, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var rows = await db.ApiKeys.AsNoTracking().Where(k => k.UserId == userId).OrderBy(k => k.Id).ToListAsync(cancellationToken);
        return rows.Select(k => new ApiKeyInfo(k.Id, k.Name, k.Prefix, k.CreatedAt, k.LastUsedAt)).ToArray();
    }

    /// <summary>Deletes one of the user's keys; false when they have no key with that id.</summary>
    public async Task<bool> DeleteApiKeyAsync(Actor actor, int keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = CreateContext();
        return await db.ApiKeys.Where(k => k.Id == keyId && k.UserId == actor.UserId).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    /// <summary>The user an API key belongs to, or null for an unknown key. Compares hashes, never keys.</summary>
    public async Task<Actor?> AuthenticateApiKeyAsync(string key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(key) || key.Length > ApiKeys.MaxLength) return null;
        var hash = ApiKeys.Hash(key);
        await using var db = CreateContext();
        var row = await (from k in db.ApiKeys
                         join u in db.Users on k.UserId equals u.Id
                         where k.Hash == hash
                         select new { KeyId = k.Id, k.LastUsedAt, u.Id, u.UserName, u.IsAdmin }).SingleOrDefaultAsync(cancellationToken);
        if (row is null) return null;
        var now = Now();
        // Last use to the minute: a busy script does not write on every request.
        if (row.LastUsedAt is null || now - row.LastUsedAt.Value > TimeSpan.FromMinutes(1))
        {
            await db.ApiKeys.Where(k => k.Id == row.KeyId).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), cancellationToken);
        }
        return new Actor(row.Id, row.UserName!, row.IsAdmin);
    }
}
