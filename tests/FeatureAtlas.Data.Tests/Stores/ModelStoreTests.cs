using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

public sealed class ModelStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task UpsertModelAndSae_ThenGet_ReturnsLatestValues(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        var model = new ModelRecord("gpt2", "/m/gpt2", "{\"n_layer\":12}", 12, 768, 50257, "GPT-2 small");
        var sae = new SaeRecord("gpt2", "res8", "/s/res8", "blocks.8.hook_resid_pre", 8, 768, 24576, "standard", "{}");

        await store.Models.UpsertModelAsync(model with { DisplayName = null }, None);
        await store.Models.UpsertModelAsync(model, None);
        await store.Models.UpsertModelAsync(model with { Name = "tiny", Layers = 2 }, None);
        await store.Models.UpsertSaeAsync(sae with { Layer = 7 }, None);
        await store.Models.UpsertSaeAsync(sae, None);
        await store.Models.UpsertSaeAsync(sae with { Name = "att3", HookName = "blocks.3.attn.hook_z", Layer = 3 }, None);

        Assert.Equal(model, await store.Models.GetModelAsync("gpt2", None));
        Assert.Equal(["gpt2", "tiny"], (await store.Models.ListModelsAsync(None)).Select(m => m.Name));
        Assert.Equal(sae, await store.Models.GetSaeAsync("gpt2", "res8", None));
        Assert.Equal(["att3", "res8"], (await store.Models.ListSaesAsync("gpt2", None)).Select(s => s.Name));
        Assert.Empty(await store.Models.ListSaesAsync("tiny", None));
        Assert.Null(await store.Models.GetModelAsync("gpt3", None));
        Assert.Null(await store.Models.GetSaeAsync("gpt2", "res9", None));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task UpsertSaeAsync_UnknownModel_ThrowsNamingIt(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();

        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() =>
            store.Models.UpsertSaeAsync(new SaeRecord("gpt2", "res8", null, "blocks.8.hook_resid_pre", 8, 768, 16, "standard", "{}"), None));
        var list = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.Models.ListSaesAsync("gpt2", None));

        Assert.Contains("'gpt2'", error.Message);
        Assert.Contains("'gpt2'", list.Message);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task GetModelSourcesAsync_ReadsModelSaesAndSetsTogether_NullForUnknownModel(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        var model = new ModelRecord("gpt2", "/m/gpt2", "{}", 12, 768, 50257);
        var res = new SaeRecord("gpt2", "res8", "/s/res8", "blocks.8.hook_resid_pre", 8, 768, 24576, "standard", "{}", "res-jb");
        var att = new SaeRecord("gpt2", "att3", null, "blocks.3.attn.hook_z", 3, 768, 16, "standard", "{}");
        await store.Models.UpsertModelAsync(model, None);
        await store.Models.UpsertModelAsync(model with { Name = "tiny" }, None);
        await store.Models.UpsertSaeAsync(res, None);
        await store.Models.UpsertSaeAsync(att, None);
        await store.Models.UpsertSourceSetAsync("gpt2", "res-jb", "Joseph Bloom's residual SAEs", None);

        for (var read = 0; read < 2; read++)
        {
            var sources = await store.Models.GetModelSourcesAsync("gpt2", None);
            Assert.NotNull(sources);
            Assert.Equal(model, sources.Model);
            Assert.Equal([att, res], sources.Saes);
            Assert.Equal(new Dictionary<string, string> { ["res-jb"] = "Joseph Bloom's residual SAEs" }, sources.SourceSets);
        }
        Assert.Empty((await store.Models.GetModelSourcesAsync("tiny", None))!.Saes);
        Assert.Null(await store.Models.GetModelSourcesAsync("gpt3", None));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task GetModelSourcesAsync_KeptBriefly_AWriteThroughAnotherStoreOfTheDatabaseShowsAtOnce(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var reader = await db.OpenAsync();
        // Another store of the same database in this process, as a CLI command or a job beside the site.
        var writer = await db.OpenAsync();
        var res = new SaeRecord("gpt2", "res8", null, "blocks.8.hook_resid_pre", 8, 768, 16, "standard", "{}", "res-jb");
        var att = new SaeRecord("gpt2", "att3", null, "blocks.3.attn.hook_z", 3, 768, 16, "standard", "{}");
        await writer.Models.UpsertModelAsync(new ModelRecord("gpt2", null, "{}", 12, 768, 50257), None);
        await writer.Models.UpsertSaeAsync(res, None);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var first = await reader.Models.GetModelSourcesAsync("gpt2", None);
        var again = await reader.Models.GetModelSourcesAsync("gpt2", None);
        if (clock.Elapsed < Data.Stores.ModelStore.SourcesLifetime) Assert.Same(first, again);
        await writer.Models.UpsertSaeAsync(att, None);
        var added = await reader.Models.GetModelSourcesAsync("gpt2", None);
        await writer.Models.UpsertSourceSetAsync("gpt2", "res-jb", "described", None);
        var described = await reader.Models.GetModelSourcesAsync("gpt2", None);

        Assert.Equal([res], first!.Saes);
        Assert.Equal([att, res], added!.Saes);
        Assert.Equal("described", described!.SourceSets["res-jb"]);
    }
}
