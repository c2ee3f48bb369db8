using System.Text;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

/// <summary>Stored attribution graphs on both providers: JSON back byte for byte (small and compressed), owners, lists, slugs, deletes.</summary>
public sealed class GraphStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveGraphAsync_SmallAndLargeJson_ReadsBackTheSameBytesAndRecord(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var stores = await db.OpenAsync();
        await AddModelAsync(stores, "m");
        var owner = await TestUsers.AddAsync(stores, "ada");
        var small = Encoding.UTF8.GetBytes("""{"metadata":{"slug":"small","scan":"m","prompt_tokens":["a"],"prompt":"a"},"qParams":{},"nodes":[],"links":[]}""");
        var large = Encoding.UTF8.GetBytes("{\"links\":[" + string.Join(",", Enumerable.Range(0, 20_000).Select(i => $"{{\"source\":\"E_{i}_0\",\"target\":\"1_{i}_0\",\"weight\":{i * 0.5}}}")) + "]}");
        Assert.True(large.Length > GraphStore.CompressAbove);

        var savedSmall = await stores.Graphs.SaveGraphAsync(Record("m", "small", owner.UserId, 1, 0), small, None);
        var savedLarge = await stores.Graphs.SaveGraphAsync(Record("m", "large", null, 20_000, 20_000), large, None);

        Assert.Equal(small, await stores.Graphs.GetGraphJsonAsync("m", "small", None));
        Assert.Equal(large, await stores.Graphs.GetGraphJsonAsync("m", "large", None));
        Assert.Equal(1L, Convert.ToInt64(await db.ScalarAsync("SELECT COUNT(*) FROM graphs WHERE compressed")));
        Assert.True(Convert.ToInt64(await db.ScalarAsync("SELECT length(json) FROM graphs WHERE slug = 'large'")) < large.Length / 4);
        Assert.Equal("ada", savedSmall.OwnerName);
        Assert.Equal(savedSmall, await stores.Graphs.GetGraphAsync("m", "small", None));
        Assert.Equal(savedLarge, await stores.Graphs.GetGraphAsync("m", "large", None));
        Assert.Equal(large.Length, savedLarge.JsonBytes);
        Assert.Null(await stores.Graphs.GetGraphAsync("m", "nothing", None));
        Assert.Null(await stores.Graphs.GetGraphJsonAsync("other", "small", None));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveGraphAsync_SlugTakenOrModelUnknown_StoresNothing(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var stores = await db.OpenAsync();
        await AddModelAsync(stores, "m");
        await stores.Graphs.SaveGraphAsync(Record("m", "g1", null, 1, 0), "{}"u8.ToArray(), None);

        var taken = await Assert.ThrowsAsync<GraphSlugTakenException>(() => stores.Graphs.SaveGraphAsync(Record("m", "g1", null, 2, 0), "[]"u8.ToArray(), None));
        var unknown = await Assert.ThrowsAsync<KeyNotFoundException>(() => stores.Graphs.SaveGraphAsync(Record("nope", "g2", null, 2, 0), "[]"u8.ToArray(), None));

        Assert.Equal("Model 'm' already has a graph with slug 'g1'; choose another slug.", taken.Message);
        Assert.Equal("Model 'nope' is not in the store.", unknown.Message);
        Assert.Equal(1L, Convert.ToInt64(await db.ScalarAsync("SELECT COUNT(*) FROM graphs")));
        Assert.Equal("{}"u8.ToArray(), await stores.Graphs.GetGraphJsonAsync("m", "g1", None));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task ListGraphsAsync_ByUserAndModel_NewestFirst(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var stores = await db.OpenAsync();
        await AddModelAsync(stores, "m");
        await AddModelAsync(stores, "n");
        var ada = await TestUsers.AddAsync(stores, "ada");
        var bob = await TestUsers.AddAsync(stores, "bob");
        foreach (var (model, slug, user) in new[] { ("m", "a1", ada), ("n", "a2", ada), ("m", "b1", bob), ("m", "a3", ada) })
        {
            await stores.Graphs.SaveGraphAsync(Record(model, slug, user.UserId, 1, 0), "{}"u8.ToArray(), None);
        }

        Assert.Equal(["a3", "a2", "a1"], (await stores.Graphs.ListGraphsAsync(ada.UserId, null, 10, None)).Select(g => g.Slug));
        Assert.Equal(["a3", "a1"], (await stores.Graphs.ListGraphsAsync(ada.UserId, "m", 10, None)).Select(g => g.Slug));
        Assert.Equal(["a3", "b1"], (await stores.Graphs.ListGraphsAsync(null, "m", 2, None)).Select(g => g.Slug));
        Assert.Empty(await stores.Graphs.ListGraphsAsync(null, "unknown", 10, None));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task DeleteGraphAsync_OwnerOnly(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var stores = await db.OpenAsync();
        await AddModelAsync(stores, "m");
        var ada = await TestUsers.AddAsync(stores, "ada");
        var bob = await TestUsers.AddAsync(stores, "bob");
        await stores.Graphs.SaveGraphAsync(Record("m", "g1", ada.UserId, 1, 0), "{}"u8.ToArray(), None);

        await Assert.ThrowsAsync<ForbiddenException>(() => stores.Graphs.DeleteGraphAsync(bob, "m", "g1", None));
        Assert.True(await stores.Graphs.DeleteGraphAsync(ada, "m", "g1", None));
        Assert.False(await stores.Graphs.DeleteGraphAsync(ada, "m", "g1", None));
        Assert.Null(await stores.Graphs.GetGraphAsync("m", "g1", None));
    }

    private static GraphRecord Record(string model, string slug, int? userId, int nodes, int links) =>
        new(model, slug, userId, null, "The whale", """{"source":"test"}""", nodes, links, 0, default);

    private static Task AddModelAsync(AtlasStores stores, string name) =>
        stores.Models.UpsertModelAsync(new ModelRecord(name, null, "{}", 2, 8, 16), None);
}
