using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

/// <summary>
/// Explanation search scoped to a model and to some of its SAEs (Neuronpedia's <c>layers</c>), on both providers:
/// two models that both have an SAE named res8, so a filter by name alone would leak the other model's features.
/// </summary>
public sealed class ExplanationStoreSearchTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static async Task<AtlasStores> SeedAsync(TestDatabase db)
    {
        var store = await db.OpenAsync();
        foreach (var model in new[] { "gpt2", "pythia" })
        {
            await store.Models.UpsertModelAsync(new ModelRecord(model, null, "{}", 12, 768, 50257), None);
        }
        foreach (var (model, sae) in new[] { ("gpt2", "res6"), ("gpt2", "res8"), ("gpt2", "res10"), ("gpt2", "o'brien\"; --"), ("pythia", "res8") })
        {
            await store.Models.UpsertSaeAsync(new SaeRecord(model, sae, null, "blocks.6.hook_resid_pre", 6, 768, 64, "standard", "{}"), None);
        }
        ExplanationRecord E(int index, string text) => new(index, text, "atlas_token-stats", null, null, At);
        await store.Explanations.SaveExplanationsAsync("gpt2", "res6", [E(1, "walrus tusks"), E(2, "unrelated sailing")], None);
        await store.Explanations.SaveExplanationsAsync("gpt2", "res8", [E(1, "a walrus on the ice")], None);
        await store.Explanations.SaveExplanationsAsync("gpt2", "res10", [E(3, "swimming walrus")], None);
        await store.Explanations.SaveExplanationsAsync("gpt2", "o'brien\"; --", [E(4, "walrus in a quoted SAE")], None);
        await store.Explanations.SaveExplanationsAsync("pythia", "res8", [E(1, "walrus again")], None);
        return store;
    }

    private static async Task<string[]> FindAsync(AtlasStores store, string? model, string[]? saes, string query = "walrus")
    {
        var (results, hasMore) = await store.Explanations.SearchExplanationsAsync(model, saes, query, 0, None);
        Assert.False(hasMore);
        return results.Select(r => $"{r.Feature.Model}/{r.Feature.Sae}/{r.Feature.Index}").Order(StringComparer.Ordinal).ToArray();
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SearchExplanationsAsync_ModelAndSaes_FindsExactlyThoseSaesMatches(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await SeedAsync(db);

        Assert.Equal(["gpt2/res10/3", "gpt2/res6/1"], await FindAsync(store, "gpt2", ["res6", "res10"]));
        Assert.Equal(["gpt2/res8/1"], await FindAsync(store, "gpt2", ["res8"]));
        Assert.Equal(["pythia/res8/1"], await FindAsync(store, "pythia", ["res8"]));
        Assert.Equal(["gpt2/o'brien\"; --/4"], await FindAsync(store, "gpt2", ["o'brien\"; --"]));
        Assert.Equal(["gpt2/res8/1"], await FindAsync(store, "gpt2", ["res8", "res8"]));
        Assert.Equal(["gpt2/o'brien\"; --/4", "gpt2/res10/3", "gpt2/res6/1", "gpt2/res8/1"], await FindAsync(store, "gpt2", null));
        Assert.Equal(["gpt2/o'brien\"; --/4", "gpt2/res10/3", "gpt2/res6/1", "gpt2/res8/1"], await FindAsync(store, "gpt2", []));
        Assert.Equal(["gpt2/o'brien\"; --/4", "gpt2/res10/3", "gpt2/res6/1", "gpt2/res8/1", "pythia/res8/1"], await FindAsync(store, null, null));
        Assert.Equal(["gpt2/res6/2"], await FindAsync(store, "gpt2", ["res6", "res8"], "sailing"));
        Assert.Empty(await FindAsync(store, "gpt2", ["res8", "res10"], "sailing"));
        Assert.Empty(await FindAsync(store, "no-such-model", null));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SearchExplanationsAsync_ManyMatchesInAndOutOfScope_PagesOnlyTheScopedOnes(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await SeedAsync(db);
        ExplanationRecord E(int index) => new(index, $"narwhal number {index}", "oai_token-act-pair", "gpt-4o-mini", null, At);
        await store.Explanations.SaveExplanationsAsync("gpt2", "res6", Enumerable.Range(10, 25).Select(E).ToArray(), None);
        await store.Explanations.SaveExplanationsAsync("gpt2", "res8", Enumerable.Range(30, 25).Select(E).ToArray(), None);

        var first = await store.Explanations.SearchExplanationsAsync("gpt2", ["res8"], "narwhal", 0, None);
        var second = await store.Explanations.SearchExplanationsAsync("gpt2", ["res8"], "narwhal", 20, None);

        Assert.Equal((20, true), (first.Results.Count, first.HasMore));
        Assert.Equal((5, false), (second.Results.Count, second.HasMore));
        var all = first.Results.Concat(second.Results).ToArray();
        Assert.All(all, r => Assert.Equal(("gpt2", "res8"), (r.Feature.Model, r.Feature.Sae)));
        Assert.Equal(Enumerable.Range(30, 25), all.Select(r => r.Feature.Index).Order());
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SearchExplanationsAsync_OneModelStore_ScopesThatHoldEverySaeAndThoseThatDoNot(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await store.Models.UpsertModelAsync(new ModelRecord("gpt2", null, "{}", 12, 768, 50257), None);
        foreach (var sae in new[] { "res6", "res8" })
        {
            await store.Models.UpsertSaeAsync(new SaeRecord("gpt2", sae, null, "blocks.6.hook_resid_pre", 6, 768, 64, "standard", "{}"), None);
        }
        await store.Explanations.SaveExplanationsAsync("gpt2", "res6", [new(1, "walrus tusks", "atlas_token-stats", null, null, At)], None);
        await store.Explanations.SaveExplanationsAsync("gpt2", "res8", [new(2, "a walrus", "atlas_token-stats", null, null, At)], None);

        Assert.Equal(["gpt2/res6/1", "gpt2/res8/2"], await FindAsync(store, "gpt2", null));
        Assert.Equal(["gpt2/res6/1", "gpt2/res8/2"], await FindAsync(store, "gpt2", ["res8", "res6"]));
        Assert.Equal(["gpt2/res8/2"], await FindAsync(store, "gpt2", ["res8"]));
        Assert.Equal(["gpt2/res6/1"], await FindAsync(store, "gpt2", ["res6"], "tusks"));
        Assert.Empty(await FindAsync(store, "gpt2", ["res8"], "tusks"));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SearchExplanationsAsync_BestMatchStoredLast_LeadsTheFirstPage(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await SeedAsync(db);
        ExplanationRecord E(int index, string text) => new(index, text, "oai_token-act-pair", "gpt-4o-mini", null, At);
        await store.Explanations.SaveExplanationsAsync("gpt2", "res6", Enumerable.Range(10, 30).Select(i => E(i, $"a harpoon among many other words, number {i}")).ToArray(), None);
        await store.Explanations.SaveExplanationsAsync("gpt2", "res6", [E(60, "harpoon harpoon harpoon")], None);

        var first = await store.Explanations.SearchExplanationsAsync("gpt2", ["res6"], "harpoon", 0, None);
        var second = await store.Explanations.SearchExplanationsAsync("gpt2", ["res6"], "harpoon", 20, None);

        // Ranked over every match before the page is cut: the newest row (highest id) is the best match.
        Assert.Equal(60, first.Results[0].Feature.Index);
        Assert.Equal((20, true, 11, false), (first.Results.Count, first.HasMore, second.Results.Count, second.HasMore));
        Assert.Equal(Enumerable.Range(10, 30).Append(60), first.Results.Concat(second.Results).Select(r => r.Feature.Index).Order());
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task SearchExplanationsAsync_UnknownSaesOrModel_ThrowsNamingThem(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await SeedAsync(db);

        var one = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Explanations.SearchExplanationsAsync("gpt2", ["res8", "res99"], "walrus", 0, None));
        var two = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Explanations.SearchExplanationsAsync("pythia", ["res8", "res6", "res10"], "walrus", 0, None));
        var model = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Explanations.SearchExplanationsAsync("nope", ["res8"], "walrus", 0, None));
        var noModel = await Assert.ThrowsAsync<ArgumentException>(() => store.Explanations.SearchExplanationsAsync(null, ["res8"], "walrus", 0, None));

        Assert.Equal("SAE 'res99' of model 'gpt2' is not in the store.", one.Message);
        Assert.Equal("SAEs 'res6', 'res10' of model 'pythia' are not in the store.", two.Message);
        Assert.Equal("Model 'nope' is not in the store.", model.Message);
        Assert.Contains("needs the model", noModel.Message);
    }
}
