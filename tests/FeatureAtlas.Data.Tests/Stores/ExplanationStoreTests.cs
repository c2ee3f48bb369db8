using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

public sealed class ExplanationStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset At = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveExplanationsAsync_Rerun_ReplacesOnlySameMethodAndModel(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 16, windows: 2, context: 8);
        ExplanationRecord Offline(int f, string text) => new(f, text, "atlas_token-stats", null, "{\"correlation\":0.5}", At);
        ExplanationRecord Llm(int f, string text) => new(f, text, "oai_token-act-pair", "gpt-4o-mini", null, At);

        await store.Explanations.SaveExplanationsAsync(Seed.Model, Seed.Sae, [Offline(1, "old 1"), Offline(2, "old 2"), Llm(1, "llm 1")], None);
        await store.Explanations.SaveExplanationsAsync(Seed.Model, Seed.Sae, [Offline(1, "new 1"), Llm(1, "llm 1b") with { ModelName = "other" }], None);

        var one = await store.Explanations.GetExplanationsAsync(Seed.Model, Seed.Sae, 1, None);
        Assert.Equal(["llm 1", "new 1", "llm 1b"], one.Select(e => e.Text));
        // What is read back is what was saved, with the store's id and the feature's model and SAE.
        Assert.Equal(Offline(1, "new 1") with { Id = one[1].Id, Model = Seed.Model, Sae = Seed.Sae }, one[1]);
        Assert.True(one[1].Id > 0);
        Assert.Equal(new FeatureKey(Seed.Model, Seed.Sae, 1), one[1].Feature);
        Assert.Equal(["old 2"], (await store.Explanations.GetExplanationsAsync(Seed.Model, Seed.Sae, 2, None)).Select(e => e.Text));
        var page = await store.Explanations.ListExplanationsAsync(Seed.Model, Seed.Sae, null, 1, 2, None);
        Assert.Equal(["llm 1", "llm 1b"], page.Select(e => e.Text));   // feature 1: atlas_… then oai_… by age; then feature 2
        Assert.Equal(["new 1", "old 2"], (await store.Explanations.ListExplanationsAsync(Seed.Model, Seed.Sae, "atlas_token-stats", 0, 10, None)).Select(e => e.Text));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SaveExplanationsAsync_FeatureOutsideSae_ThrowsAndKeepsPreviousSet(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Seed.AddAsync(store, dSae: 16, windows: 2, context: 8);
        await store.Explanations.SaveExplanationsAsync(Seed.Model, Seed.Sae, [new(3, "kept", "m", null, null, At)], None);

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            store.Explanations.SaveExplanationsAsync(Seed.Model, Seed.Sae, [new(3, "replaced", "m", null, null, At), new(16, "outside", "m", null, null, At)], None));

        Assert.Contains("d_sae 16", error.Message);
        Assert.Equal(["kept"], (await store.Explanations.GetExplanationsAsync(Seed.Model, Seed.Sae, 3, None)).Select(e => e.Text));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Explanations.GetExplanationsAsync(Seed.Model, "nope", 0, None));
    }
}
