using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

public sealed class UmapStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveUmapAsync_ThenAgain_ReplacesTheMapAndReadsBackInIndexOrder(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await store.Models.UpsertModelAsync(new ModelRecord("m", null, "{}", 2, 8, 100), None);
        await store.Models.UpsertSaeAsync(new SaeRecord("m", "s", null, "blocks.0.hook_resid_pre", 0, 8, 3, "standard", "{}"), None);
        Assert.Null(await store.Umaps.GetUmapAsync("m", "s", None));

        await store.Umaps.SaveUmapAsync("m", "s", [1f, 2f, 3f, 4f, 5f, 6f], None);
        await store.Umaps.SaveUmapAsync("m", "s", [-1f, 0.5f, 7f, 8f, 9.25f, -10f], None);

        var map = await store.Umaps.GetUmapAsync("m", "s", None);
        Assert.Equal([0, 1, 2], map!.Indices);
        Assert.Equal([-1f, 7f, 9.25f], map.X);
        Assert.Equal([0.5f, 8f, -10f], map.Y);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveUmapAsync_WrongLengthOrUnknownSae_ThrowsAndKeepsTheOldMap(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await store.Models.UpsertModelAsync(new ModelRecord("m", null, "{}", 2, 8, 100), None);
        await store.Models.UpsertSaeAsync(new SaeRecord("m", "s", null, "blocks.0.hook_resid_pre", 0, 8, 2, "standard", "{}"), None);
        await store.Umaps.SaveUmapAsync("m", "s", [1f, 2f, 3f, 4f], None);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.Umaps.SaveUmapAsync("m", "s", [1f, 2f], None));
        Assert.Contains("2 features", error.Message);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Umaps.SaveUmapAsync("m", "other", [1f, 2f], None));
        var kept = await store.Umaps.GetUmapAsync("m", "s", None);
        Assert.Equal(new[] { 1f, 3f }, kept!.X);
    }
}
