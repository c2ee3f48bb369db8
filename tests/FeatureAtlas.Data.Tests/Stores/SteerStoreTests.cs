using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

/// <summary>Saved steering runs on both providers: read back as saved, and one row per settings hash however often saved.</summary>
public sealed class SteerStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveSteerRunAsync_SameIdTwice_KeepsTheFirstAndReadsItBack(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = new SteerStore((await db.OpenAsync()).Database);
        var at = new DateTimeOffset(2026, 12, 2, 6, 0, 0, TimeSpan.Zero).AddTicks(1234560);
        var first = new SteerRunRecord("0123456789abcdef0123", new string('a', 64), "m", 1, """{"prompt":"x"}""", """{"STEERED":"x y"}""", null, at);

        var saved = await store.SaveSteerRunAsync(first, None);
        var again = await store.SaveSteerRunAsync(first with { ResultJson = """{"STEERED":"other"}""" }, None);
        var read = await store.GetSteerRunAsync(first.Id, None);

        Assert.Equal(first, saved);
        Assert.Equal(first, again);
        Assert.Equal(first, read);
        Assert.Null(await store.GetSteerRunAsync("ffffffffffffffffffff", None));
        Assert.Equal(1L, Convert.ToInt64(await db.ScalarAsync("SELECT COUNT(*) FROM steer_runs")));
    }
}
