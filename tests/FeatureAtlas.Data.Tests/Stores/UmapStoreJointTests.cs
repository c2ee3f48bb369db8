using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

public sealed class UmapStoreJointTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Model m with SAEs a (3 features), b (2) and c (2), all d_in 8.</summary>
    private static async Task<AtlasStores> SeedAsync(TestDatabase db)
    {
        var store = await db.OpenAsync();
        await store.Models.UpsertModelAsync(new ModelRecord("m", null, "{}", 2, 8, 100), None);
        foreach (var (sae, dSae) in new[] { ("a", 3), ("b", 2), ("c", 2) })
        {
            await store.Models.UpsertSaeAsync(new SaeRecord("m", sae, null, "blocks.0.hook_resid_pre", 0, 8, dSae, "standard", "{}"), None);
        }
        return store;
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveJointUmapAsync_ThenGet_ReadsEachSaesPointsInMapOrderBesideThePerSaeMap(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await SeedAsync(db);
        await store.Umaps.SaveUmapAsync("m", "a", [1f, 2f, 3f, 4f, 5f, 6f], None);
        Assert.Null(await store.Umaps.GetJointUmapAsync("m", "b+a", None));
        Assert.Empty(await store.Umaps.ListJointUmapsAsync("m", None));

        // b first: points are b's 2 features, then a's 3.
        await store.Umaps.SaveJointUmapAsync("m", "b+a", ["b", "a"], [10f, 11f, 12f, 13f, 20f, 21f, 22f, 23f, 24f, 25f], None);

        var map = await store.Umaps.GetJointUmapAsync("m", "b+a", None);
        Assert.Equal(["b", "a"], map!.Saes);
        Assert.Equal([0, 0, 1, 1, 1], map.Sae);
        Assert.Equal([0, 1, 0, 1, 2], map.Indices);
        Assert.Equal([10f, 12f, 20f, 22f, 24f], map.X);
        Assert.Equal([11f, 13f, 21f, 23f, 25f], map.Y);
        var info = Assert.Single(await store.Umaps.ListJointUmapsAsync("m", None));
        Assert.Equal(("m", "b+a", 5), (info.Model, info.Name, info.Points));
        Assert.Equal(["b", "a"], info.Saes);
        var own = await store.Umaps.GetUmapAsync("m", "a", None);
        Assert.Equal(new[] { 1f, 3f, 5f }, own!.X);   // a's own map is untouched
        Assert.Equal(["a"], await store.Umaps.ListSaesWithUmapAsync("m", None));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveJointUmapAsync_SameNameAgain_ReplacesOnlyThatMap(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await SeedAsync(db);
        await store.Umaps.SaveJointUmapAsync("m", "mine", ["a", "b"], Enumerable.Range(0, 10).Select(i => (float)i).ToArray(), None);
        await store.Umaps.SaveJointUmapAsync("m", "other", ["b", "c"], Enumerable.Range(0, 8).Select(i => -(float)i).ToArray(), None);

        await store.Umaps.SaveJointUmapAsync("m", "mine", ["c", "a"], Enumerable.Range(100, 10).Select(i => (float)i).ToArray(), None);

        Assert.Equal(["mine", "other"], (await store.Umaps.ListJointUmapsAsync("m", None)).Select(i => i.Name));
        var mine = await store.Umaps.GetJointUmapAsync("m", "mine", None);
        Assert.Equal(["c", "a"], mine!.Saes);
        Assert.Equal([0, 0, 1, 1, 1], mine.Sae);
        Assert.Equal([100f, 102f, 104f, 106f, 108f], mine.X);
        var other = await store.Umaps.GetJointUmapAsync("m", "other", None);
        Assert.Equal([0, 1, 0, 1], other!.Indices);
        Assert.Equal([-1f, -3f, -5f, -7f], other.Y);
    }

    public static TheoryData<string, string, string[], int, string> BadMaps => new()
    {
        { TestDatabase.Sqlite, "mine", ["a", "b"], 8, "have 5 features together, so the map needs 10 coordinates; 8 were given" },
        { TestDatabase.Sqlite, "mine", ["a"], 6, "two or more SAEs; 1 given" },
        { TestDatabase.Sqlite, "mine", ["a", "b", "a"], 16, "SAE 'a' is named twice" },
        { TestDatabase.Sqlite, "a/b", ["a", "b"], 10, "got 'a/b'" },
        { TestDatabase.Sqlite, " mine", ["a", "b"], 10, "without surrounding spaces" },
        { TestDatabase.Postgres, "mine", ["a", "b"], 12, "'a' (3), 'b' (2) have 5 features together" },
    };

    [Theory]
    [MemberData(nameof(BadMaps))]
    public async Task SaveJointUmapAsync_BadInput_ThrowsAndKeepsTheOldMap(string provider, string name, string[] saes, int coordinates, string message)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await SeedAsync(db);
        await store.Umaps.SaveJointUmapAsync("m", "mine", ["a", "b"], Enumerable.Range(0, 10).Select(i => (float)i).ToArray(), None);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.Umaps.SaveJointUmapAsync("m", name, saes, new float[coordinates], None));

        Assert.Contains(message, error.Message);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Umaps.SaveJointUmapAsync("m", "mine", ["a", "zz"], new float[10], None));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Umaps.SaveJointUmapAsync("nope", "mine", ["a", "b"], new float[10], None));
        var kept = await store.Umaps.GetJointUmapAsync("m", "mine", None);
        Assert.Equal([0f, 2f, 4f, 6f, 8f], kept!.X);
        Assert.Single(await store.Umaps.ListJointUmapsAsync("m", None));
    }
}
