using System.Net;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>/api/umap/{model} (the model's maps) and /api/umap/{model}/joint/{name} after the joint UMAP job.</summary>
public sealed class JointMapsApiTests(JointMapAtlasApp app) : IClassFixture<JointMapAtlasApp>
{
    private const string Model = JointMapAtlasApp.JointModel;

    [Fact]
    public async Task ListUmaps_AfterTheJobs_NamesTheSaesWithTheirOwnMapsAndTheJointMap()
    {
        using var client = app.CreateClient();

        var body = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/umap/{Model}"));

        Assert.Equal([JointMapAtlasApp.SaeA, JointMapAtlasApp.SaeB], body.GetProperty("saes").EnumerateArray().Select(s => s.GetString()));
        var joint = Assert.Single(body.GetProperty("joint").EnumerateArray());
        Assert.Equal(JointMapAtlasApp.JointName, joint.GetProperty("name").GetString());
        Assert.Equal([JointMapAtlasApp.SaeA, JointMapAtlasApp.SaeB], joint.GetProperty("saes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(JointMapAtlasApp.DSaeA + JointMapAtlasApp.DSaeB, joint.GetProperty("points").GetInt32());
    }

    [Fact]
    public async Task GetJointUmap_EveryFeatureOfBothSaesOnceWithItsOwnSaesDensity()
    {
        using var client = app.CreateClient();
        var density = await app.Store.Dashboards.GetFracNonzeroAsync(Model, JointMapAtlasApp.SaeA, CancellationToken.None);

        // The name has a '+', escaped in the path as a client would.
        var body = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/umap/{Model}/joint/{Uri.EscapeDataString(JointMapAtlasApp.JointName)}"));

        Assert.Equal((Model, JointMapAtlasApp.JointName), (body.GetProperty("modelId").GetString(), body.GetProperty("name").GetString()));
        var saes = body.GetProperty("saes").EnumerateArray().Select(s => s.GetString()!).ToArray();
        var sae = body.GetProperty("sae").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var index = body.GetProperty("index").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var x = body.GetProperty("x").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var frac = body.GetProperty("fracNonzero").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal([JointMapAtlasApp.SaeA, JointMapAtlasApp.SaeB], saes);
        var expected = Enumerable.Range(0, JointMapAtlasApp.DSaeA).Select(i => (0, i)).Concat(Enumerable.Range(0, JointMapAtlasApp.DSaeB).Select(i => (1, i)));
        Assert.Equal(expected, sae.Zip(index));
        Assert.All(x, v => Assert.True(float.IsFinite(v)));
        // res0 has dashboards, so its points carry its frac_nonzero; res1 has none (−1).
        Assert.Equal(density!, frac.Take(JointMapAtlasApp.DSaeA));
        Assert.All(frac.Skip(JointMapAtlasApp.DSaeA), f => Assert.Equal(-1f, f));
        var stored = await app.Store.Umaps.GetJointUmapAsync(Model, JointMapAtlasApp.JointName, CancellationToken.None);
        Assert.Equal(stored!.X, x);
    }

    [Theory]
    [InlineData($"api/umap/{Model}/joint/no-such-map", "Model 'tiny-joint' has no joint map named 'no-such-map'")]
    [InlineData("api/umap/no-such-model/joint/x", "Model 'no-such-model' is not in the store.")]
    [InlineData("api/umap/no-such-model", "Model 'no-such-model' is not in the store.")]
    public async Task JointUmap_UnknownMapOrModel_Returns404NamingIt(string path, string detail)
    {
        using var client = app.CreateClient();

        Assert.Contains(detail, await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await client.GetAsync(path)));
    }
}
