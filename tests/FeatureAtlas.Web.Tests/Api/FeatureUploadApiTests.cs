using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// Neuronpedia's <c>feature/upload-batch</c>, with the body its route handler validates (apps/webapp/app/api/feature/
/// upload-batch/route.tsx): a set's creator uploads features computed elsewhere into a source of the set, and they are
/// served as Neuronpedia serves them (<c>GET /api/feature/...</c>) and shown on their pages; anyone else is refused.
/// Token strings are GPT-2's display strings, made here by the tokenizer from text.
/// </summary>
public sealed class FeatureUploadApiTests(LiveAtlasApp app) : IClassFixture<LiveAtlasApp>
{
    private const string Model = LiveAtlasApp.LiveModel;
    private static readonly Gpt2Tokenizer Tokenizer = Gpt2Tokenizer.CreateDefault();

    private static string[] Tokens(string text) => Tokenizer.GetTokenStrings(Tokenizer.Encode(text, prependBos: false));

    private static object Activation(string text, float[] values, float? quantileMin = null, float? quantileMax = null, double? quantileFraction = null) =>
        new { tokens = Tokens(text), values, quantileMin, quantileMax, quantileFraction };

    private async Task<TestUser> SetCreatorAsync(string set)
    {
        var author = await app.SignUpAsync("uploader");
        await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/source-set/new", new { name = set, modelId = Model, description = "uploaded", url = (string?)null }));
        return author;
    }

    [Fact]
    public async Task UploadBatch_ByTheSetsCreator_ServedAsNeuronpediaServesIt()
    {
        var author = await SetCreatorAsync("upscope");
        var body = new
        {
            modelId = Model,
            source = "0-upscope",
            features = new object[]
            {
                new
                {
                    index = 3, density = 0.0125,
                    topLogits = new[] { new { token = " whale", value = 1.5 }, new { token = " sea", value = 1.25 } },
                    bottomLogits = new[] { new { token = ",", value = -0.5 } },
                    explanations = new[] { new { text = "names of whales", methodName = (string?)null, modelName = (string?)null } },
                    activations = new[]
                    {
                        Activation("Call me now.", [0f, 0.5f, 2f, 0.25f]),
                        Activation("The white whale", [0f, 0.125f, 0.75f], 0f, 1f, 0.2),
                    },
                },
                new { index = 70, activations = new[] { Activation(" the sea", [1f, 3f]) } },
            },
        };
        Assert.Equal(4, Tokens("Call me now.").Length);   // the values above pair with these tokens
        Assert.Equal(3, Tokens("The white whale").Length);
        Assert.Equal(2, Tokens(" the sea").Length);

        var answer = await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/feature/upload-batch", body));
        Assert.Equal("2 features created.", answer.GetProperty("message").GetString());

        using var anonymous = app.CreateClient();
        var feature = await HttpAssert.OkJsonAsync(await anonymous.GetAsync($"api/feature/{Model}/0-upscope/3"));
        Assert.Equal(("0-upscope", "3", 2f, 0.0125), (feature.GetProperty("layer").GetString(), feature.GetProperty("index").GetString(),
            feature.GetProperty("maxActApprox").GetSingle(), feature.GetProperty("frac_nonzero").GetDouble()));
        Assert.Equal([" whale", " sea"], feature.GetProperty("pos_str").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal([1.5f, 1.25f], feature.GetProperty("pos_values").EnumerateArray().Select(v => v.GetSingle()));
        Assert.Equal([","], feature.GetProperty("neg_str").EnumerateArray().Select(t => t.GetString()));
        var activations = feature.GetProperty("activations").EnumerateArray().ToArray();
        var top = activations.Single(a => a.GetProperty("binMin").ValueKind == JsonValueKind.Null || a.GetProperty("binMin").GetSingle() < 0);
        Assert.Equal(Tokens("Call me now."), top.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal([0f, 0.5f, 2f, 0.25f], top.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()));
        Assert.Equal((2f, 2), (top.GetProperty("maxValue").GetSingle(), top.GetProperty("maxValueTokenIndex").GetInt32()));
        var sampled = Assert.Single(activations, a => a.GetProperty("binMin").ValueKind == JsonValueKind.Number && a.GetProperty("binMin").GetSingle() >= 0);
        Assert.Equal((0f, 1f, 0.2), (sampled.GetProperty("binMin").GetSingle(), sampled.GetProperty("binMax").GetSingle(), sampled.GetProperty("binContains").GetDouble()));
        Assert.Equal("names of whales", Assert.Single(feature.GetProperty("explanations").EnumerateArray()).GetProperty("description").GetString());

        // Uploaded again: the new record joins the stored one, highest first; density and logits left as they were.
        var again = new { modelId = Model, source = "0-upscope", features = new[] { new { index = 3, activations = new[] { Activation(" the sea", [0f, 4f]) } } } };
        await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/feature/upload-batch", again));
        feature = await HttpAssert.OkJsonAsync(await anonymous.GetAsync($"api/feature/{Model}/0-upscope/3"));
        Assert.Equal((4f, 0.0125), (feature.GetProperty("maxActApprox").GetSingle(), feature.GetProperty("frac_nonzero").GetDouble()));
        Assert.Equal([4f, 2f, 0.75f], feature.GetProperty("activations").EnumerateArray().Select(a => a.GetProperty("maxValue").GetSingle()));
        Assert.Equal([" whale", " sea"], feature.GetProperty("pos_str").EnumerateArray().Select(t => t.GetString()));

        var other = await HttpAssert.OkJsonAsync(await anonymous.GetAsync($"api/feature/{Model}/0-upscope/70"));
        Assert.Equal(3f, other.GetProperty("maxActApprox").GetSingle());
        var page = await anonymous.GetAsync($"{Model}/0-upscope/3");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("names of whales", await page.Content.ReadAsStringAsync());
        var set = await HttpAssert.OkJsonAsync(await anonymous.GetAsync($"api/source-set/{Model}/upscope"));
        Assert.Equal("0-upscope", Assert.Single(set.GetProperty("sources").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task UploadBatch_NotTheCreatorOrBadBody_RefusedWithTheReason()
    {
        var author = await SetCreatorAsync("guarded");
        var stranger = await app.SignUpAsync("stranger");
        using var anonymous = app.CreateClient();
        object Body(object feature, string source = "1-guarded") => new { modelId = Model, source, features = new[] { feature } };
        var good = new { index = 1, activations = new[] { Activation(" the sea", [1f, 2f]) } };

        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, await anonymous.PostAsJsonAsync("api/feature/upload-batch", Body(good)));
        Assert.Contains("Only the creator of source set 'guarded'", await HttpAssert.ProblemAsync(HttpStatusCode.Forbidden,
            await stranger.Client.PostAsJsonAsync("api/feature/upload-batch", Body(good))));
        Assert.Contains("no source set 'missing'", await HttpAssert.ProblemAsync(HttpStatusCode.NotFound,
            await author.Client.PostAsJsonAsync("api/feature/upload-batch", Body(good, "1-missing"))));
        Assert.Contains("is not {layer}-{set}", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest,
            await author.Client.PostAsJsonAsync("api/feature/upload-batch", Body(good, "guarded"))));
        Assert.Contains("has 2 tokens but 3 values", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest,
            await author.Client.PostAsJsonAsync("api/feature/upload-batch", Body(new { index = 1, activations = new[] { Activation(" the sea", [1f, 2f, 3f]) } }))));
        Assert.Contains("\"zz-not-a-token\" is not a token", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest,
            await author.Client.PostAsJsonAsync("api/feature/upload-batch", Body(new { index = 1, activations = new[] { new { tokens = new[] { "zz-not-a-token" }, values = new[] { 1f } } } }))));
        Assert.Contains("density 1.5 is outside [0, 1]", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest,
            await author.Client.PostAsJsonAsync("api/feature/upload-batch", Body(new { index = 1, density = 1.5, activations = good.activations }))));
        Assert.Contains("index 1 appears twice", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest,
            await author.Client.PostAsJsonAsync("api/feature/upload-batch", new { modelId = Model, source = "1-guarded", features = new[] { good, good } })));
        Assert.Contains("1 to 128 features, found 129", await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest,
            await author.Client.PostAsJsonAsync("api/feature/upload-batch", new { modelId = Model, source = "1-guarded", features = Enumerable.Range(0, 129).Select(i => good with { index = i }) })));

        // Nothing above was kept: the source has no SAE yet, and the first good upload makes it.
        var set = await HttpAssert.OkJsonAsync(await anonymous.GetAsync($"api/source-set/{Model}/guarded"));
        Assert.Empty(set.GetProperty("sources").EnumerateArray());
        await HttpAssert.OkJsonAsync(await author.Client.PostAsJsonAsync("api/feature/upload-batch", Body(good)));
        await HttpAssert.OkJsonAsync(await anonymous.GetAsync($"api/feature/{Model}/1-guarded/1"));
    }
}
