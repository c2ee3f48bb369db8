using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

/// <summary>
/// The feature page's read (<see cref="Data.Stores.FeaturePageStore.ReadFeatureAsync"/>) brings the feature's explanations in
/// the statement that reads its dashboard row: exactly that feature's, named by their model and SAE, with author and vote
/// total, best first.
/// </summary>
public sealed class FeaturePageStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task ReadFeatureAsync_Explanations_OnlyThisFeaturesWithAuthorAndVotesBestFirst(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 8);
        await store.Dashboards.SaveDashboardsAsync(Seed.Model, Seed.Sae, Seed.Corpus, new DashboardOptions { Seed = 42 }, SyntheticDashboards.Create(features: 8, seed: 1, windows: 50), None);
        // Another SAE with explanations of the same index, and the same SAE's neighbouring feature: neither may show.
        await store.Models.UpsertSaeAsync(new SaeRecord(Seed.Model, "res9", null, "blocks.9.hook_resid_pre", 9, 768, 8, "standard", "{}"), None);
        ExplanationRecord Machine(int index, string text, DateTimeOffset at) => new(index, text, "atlas_token-stats", "offline", null, at);
        await store.Explanations.SaveExplanationsAsync(Seed.Model, Seed.Sae, [Machine(3, "older machine", At), Machine(4, "the next feature", At)], None);
        await store.Explanations.SaveExplanationsAsync(Seed.Model, "res9", [Machine(3, "another SAE's", At)], None);
        var ahab = await TestUsers.AddAsync(store, "ahab");
        var ishmael = await TestUsers.AddAsync(store, "ishmael");
        var key = new FeatureKey(Seed.Model, Seed.Sae, 3);
        var voted = await store.Explanations.AddManualExplanationAsync(ahab, key, "white whale", None);
        await store.Explanations.AddManualExplanationAsync(ishmael, key, "newest, no votes", None);
        await store.Social.VoteExplanationAsync(ishmael, voted.Id, 1, None);

        var read = (await store.FeaturePages.ReadFeatureAsync(key, social: false, viewerId: null, None))!;

        Assert.Equal(["white whale", "newest, no votes", "older machine"], read.Explanations.Select(e => e.Text));
        Assert.All(read.Explanations, e => Assert.Equal((Seed.Model, Seed.Sae, 3), (e.Feature.Model, e.Feature.Sae, e.Feature.Index)));
        Assert.Equal([("ahab", 1), ("ishmael", 0), (null, 0)], read.Explanations.Select(e => (e.AuthorName, e.Votes)));
        Assert.Equal(("atlas_token-stats", "offline"), (read.Explanations[2].Method, read.Explanations[2].ModelName));
        Assert.NotNull(read.Dashboard);

        // A feature with a dashboard and no explanation, and one past the dashboard's rows: read, with none.
        Assert.Empty((await store.FeaturePages.ReadFeatureAsync(key with { Index = 5 }, social: false, viewerId: null, None))!.Explanations);
        Assert.Equal(["the next feature"], (await store.FeaturePages.ReadFeatureAsync(key with { Index = 4 }, social: true, viewerId: null, None))!.Explanations.Select(e => e.Text));
    }
}
