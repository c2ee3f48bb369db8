using System.Net;
using System.Text.Json;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// /api/feature/{model}/{sae}/{index}/similar against a brute-force cosine ranking of the SAE's W_dec, and
/// /api/umap/{model}/{sae} before and after the UMAP job (the code <c>atlas umap</c> runs) on the live SAE.
/// </summary>
public sealed class MapsApiTests(LiveAtlasApp app) : IClassFixture<LiveAtlasApp>
{
    private const string Umap = $"api/umap/{LiveAtlasApp.LiveModel}/{LiveAtlasApp.LiveSae}";

    private static string SimilarPath(int index, string sae = LiveAtlasApp.LiveSae) => $"api/feature/{LiveAtlasApp.LiveModel}/{sae}/{index}/similar";

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    [InlineData(LiveAtlasApp.LiveDSae - 1)]
    public async Task Similar_DefaultK_EqualsBruteForceTopTenLeavingOutTheFeatureItself(int index)
    {
        var expected = LiveMaps.BruteForceSimilar(app.SaeDirectory, index).Take(10).ToArray();
        using var client = app.CreateClient();

        var body = await HttpAssert.OkJsonAsync(await client.GetAsync(SimilarPath(index)));

        var own = LiveMaps.OwnSaeList(body);
        Assert.Equal(index, body.GetProperty("index").GetInt32());
        Assert.Equal(LiveAtlasApp.LiveSae, own[0].Layer);
        Assert.Equal(expected.Select(e => e.Index), own.Select(f => f.Index));
        for (var r = 0; r < expected.Length; r++) Assert.Equal(expected[r].Cosine, own[r].Cosine, 1e-5);
    }

    [Fact]
    public async Task Similar_KOfFifty_ListsEveryOtherFeatureOfTheSmallSaeInOrder()
    {
        var expected = LiveMaps.BruteForceSimilar(app.SaeDirectory, 5).Take(50).Select(e => e.Index);
        using var client = app.CreateClient();

        var body = await HttpAssert.OkJsonAsync(await client.GetAsync(SimilarPath(5) + "?k=50"));

        Assert.Equal(expected, LiveMaps.OwnSaeList(body).Select(f => f.Index));
    }

    [Theory]
    [InlineData(LiveAtlasApp.LiveDSae, LiveAtlasApp.LiveSae, "has 64 features")]
    [InlineData(-1, LiveAtlasApp.LiveSae, "has 64 features")]
    [InlineData(3, "no-such-sae", "no-such-sae")]
    public async Task Similar_UnknownFeatureOrSae_Returns404NamingIt(int index, string sae, string mention)
    {
        using var client = app.CreateClient();

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await client.GetAsync(SimilarPath(index, sae)));

        Assert.Contains(mention, detail);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(51)]
    public async Task Similar_KOutOfRange_Returns400NamingK(int k)
    {
        using var client = app.CreateClient();

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await client.GetAsync(SimilarPath(1) + $"?k={k}"));

        Assert.Contains("k must be between 1 and 50", detail);
    }

    private static (int[] Index, float[] X, float[] Y) Points(JsonElement body) => (
        body.GetProperty("index").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
        body.GetProperty("x").EnumerateArray().Select(v => v.GetSingle()).ToArray(),
        body.GetProperty("y").EnumerateArray().Select(v => v.GetSingle()).ToArray());

    [Fact]
    public async Task Umap_BeforeAndAfterTheJob_404ThenOneFinitePointPerFeatureTheSameEachRun()
    {
        using var client = app.CreateClient();

        // Documented: no map yet is a 404 that says how to make one.
        var before = await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await client.GetAsync(Umap));
        Assert.Contains("atlas umap", before);

        await LiveMaps.RunUmapAsync(app);
        var first = await HttpAssert.OkJsonAsync(await client.GetAsync(Umap));
        await LiveMaps.RunUmapAsync(app);
        var second = await HttpAssert.OkJsonAsync(await client.GetAsync(Umap));

        var (index, x, y) = Points(first);
        Assert.Equal(Enumerable.Range(0, LiveAtlasApp.LiveDSae), index);
        Assert.Equal(LiveAtlasApp.LiveDSae, x.Length);
        Assert.Equal(LiveAtlasApp.LiveDSae, y.Length);
        Assert.All(x.Concat(y), v => Assert.True(float.IsFinite(v), $"coordinate {v} is not finite"));
        Assert.True(x.Max() - x.Min() > 0 && y.Max() - y.Min() > 0, "the map collapsed to a line or a point");
        Assert.Equal(LiveAtlasApp.LiveDSae, first.GetProperty("fracNonzero").GetArrayLength());
        // A second run of the job with the same seed stores exactly the same map.
        var (index2, x2, y2) = Points(second);
        Assert.Equal(index, index2);
        Assert.Equal(x, x2);
        Assert.Equal(y, y2);
    }

    [Fact]
    public async Task Umap_UnknownSae_Returns404()
    {
        using var client = app.CreateClient();

        await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await client.GetAsync($"api/umap/{LiveAtlasApp.LiveModel}/no-such-sae"));
    }
}
