using System.Net;
using System.Net.Http.Json;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Jobs;
using FeatureAtlas.Web.Api;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// Neuronpedia source ids <c>{layer}-{set}</c>: the set chosen at dashboards build (<c>--set</c>, here the job option it
/// sets) renames the SAE's id and describes its set; the folder name stays an alias; <c>sourceSet</c> filters search-all
/// and an unknown set is a 404 naming it. One live app of its own, since the set changes the SAE's id.
/// </summary>
public sealed class SourceSetsApiTests(LiveAtlasApp app) : IClassFixture<LiveAtlasApp>
{
    private const string Model = LiveAtlasApp.LiveModel;

    [Fact]
    public async Task DashboardsBuild_WithSet_NamesTheSourceIdAndDescribesTheSet()
    {
        await DashboardJob.RunAsync(new DashboardJobOptions
        {
            ModelDirectory = app.ModelDirectory,
            SaeDirectories = [app.SaeDirectory],
            Corpus = LiveAtlasApp.LiveCorpus,
            Tokens = 32L * 8,
            ModelName = Model,
            SetName = "res-jb",
            SetDescription = "Residual SAEs trained for these tests",
            CheckpointDirectory = Path.Combine(Path.GetTempPath(), "atlas-web-tests", "sets-" + Guid.NewGuid().ToString("N")),
            Dashboard = new DashboardOptions { TopExamples = 4, Intervals = 2, ExamplesPerInterval = 2, Seed = 1 },
        }, app.Store.Corpora, app.Store.Models, app.Store.Dashboards, progress: null, CancellationToken.None);
        using var client = app.CreateClient();

        var feature = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/feature/{Model}/1-res-jb/2"));
        var byFolder = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/feature/{Model}/{LiveAtlasApp.LiveSae}/2"));

        Assert.Equal(feature.ToString(), byFolder.ToString());
        Assert.Equal(("1-res-jb", "res-jb"), (feature.GetProperty("source").GetProperty("id").GetString(), feature.GetProperty("source").GetProperty("setName").GetString()));
        Assert.Equal(("res-jb", "Residual SAEs trained for these tests"),
            (feature.GetProperty("sourceSet").GetProperty("name").GetString(), feature.GetProperty("sourceSet").GetProperty("description").GetString()));
        await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await client.GetAsync($"api/feature/{Model}/1-res/2"));

        // sourceSet with no selectedLayers searches the set's SAEs; a set the model lacks is a 404 naming it.
        var search = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/search-all", new { modelId = Model, sourceSet = "res-jb", text = "Call me Ishmael.", selectedLayers = Array.Empty<string>(), sortIndexes = Array.Empty<int>() }));
        Assert.All(search.GetProperty("result").EnumerateArray(), r => Assert.Equal("1-res-jb", r.GetProperty("layer").GetString()));
        Assert.NotEqual(0, search.GetProperty("result").GetArrayLength());
        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await client.PostAsJsonAsync("api/search-all", new { modelId = Model, sourceSet = "res", text = "Call me Ishmael.", sortIndexes = Array.Empty<int>() }));
        Assert.Contains("'res'", detail);
        Assert.Contains("res-jb", detail);
    }

    [Theory]
    [InlineData("{\"neuronpedia_id\": \"gpt2-small/8-res-jb\"}", 3, "8-res-jb")]
    [InlineData("{\"metadata\": {\"neuronpedia_id\": \"gemma-2-2b/20-gemmascope-res-16k\"}}", 3, "20-gemmascope-res-16k")]
    [InlineData("{\"neuronpedia_id\": null}", 3, "3-res")]
    [InlineData("{\"neuronpedia_id\": \"gpt2-small/no dash here\"}", 3, "3-res")]
    [InlineData("{}", -1, "e-res")]
    public void SourceIdOf_CfgOrLayerAndSet_IsNeuronpediasId(string cfg, int layer, string expected)
    {
        var sae = new SaeRecord("m", "folder", null, layer < 0 ? "hook_embed" : $"blocks.{layer}.hook_resid_pre", layer, 8, 16, "standard", cfg);

        Assert.Equal(expected, SourceIds.Of(layer < 0 ? sae with { HookName = "blocks.0.hook_resid_pre" } : sae));
    }

    [Theory]
    [InlineData("blocks.4.hook_resid_post", "res-post")]
    [InlineData("blocks.4.hook_mlp_out", "mlp")]
    [InlineData("blocks.4.attn.hook_z", "att")]
    [InlineData("blocks.4.hook_resid_mid", "res-mid")]
    public void DefaultSet_HookKind_NamesTheSet(string hook, string set) => Assert.Equal(set, SourceIds.DefaultSet(hook));

    [Theory]
    [InlineData("8-res-jb", "res-jb")]
    [InlineData("8-res-jb__wide", "res-jb")]
    [InlineData("e-res", "res")]
    public void SetOf_SourceId_IsTheTextAfterTheFirstDashBeforeAnyDoubleUnderscore(string id, string set) => Assert.Equal(set, SourceIds.SetOf(id));

    [Theory]
    [InlineData("Res JB")]
    [InlineData("-res")]
    [InlineData("res__x")]
    [InlineData("")]
    public void SourceSetName_Malformed_IsAnErrorNamingIt(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => SourceSetName.Check(name));

        Assert.Contains($"'{name}'", e.Message);
    }
}
