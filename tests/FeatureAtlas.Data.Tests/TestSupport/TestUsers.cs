using FeatureAtlas.Core.Community;
using FeatureAtlas.Data.Entities;
using FeatureAtlas.Data.Stores;

namespace FeatureAtlas.Data.Tests.TestSupport;

/// <summary>Users for store tests, written straight to the users table (accounts are the web project's).</summary>
internal static class TestUsers
{
    /// <summary>Adds the user <paramref name="name"/> and returns them as an actor.</summary>
    public static async Task<Actor> AddAsync(AtlasStores stores, string name)
    {
        await using (var context = stores.Database.CreateContext())
        {
            context.Users.Add(new UserEntity { UserName = name, NormalizedUserName = name.ToUpperInvariant(), SecurityStamp = Guid.NewGuid().ToString() });
            await context.SaveChangesAsync(CancellationToken.None);
        }
        return (await stores.Users.FindUserAsync(name, CancellationToken.None))!;
    }
}
