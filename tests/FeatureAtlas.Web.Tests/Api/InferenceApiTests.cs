using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// activation/new, search-all, search-topk-by-token and explanation/generate on the tiny live model, each answer
/// checked against the SAE's full encode run directly through Core (an independent path: no FeatureSearch), and
/// the limits that protect the server.
/// </summary>
public sealed class InferenceApiTests(LiveAtlasApp app) : IClassFixture<LiveAtlasApp>
{
    private const string Text = "Call me Ishmael. Some years ago, never mind how long";

    private static readonly object Model = LiveAtlasApp.LiveModel;

    /// <summary>[T][S] activations of every feature on BOS + text, by InferenceSession.Run (the full encode).</summary>
    private float[][] Encode(string text, out int[] tokens)
    {
        var session = InferenceSession.Load(app.ModelDirectory, [app.SaeDirectory]);
        tokens = Gpt2Tokenizer.CreateDefault().Encode(text, prependBos: true);
        var features = session.Run(tokens, logits: false).Features[LiveAtlasApp.LiveSae];
        return Enumerable.Range(0, tokens.Length).Select(t => features.Row(t).ToArray()).ToArray();
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    [Fact]
    public async Task ActivationNew_IgnoreBos_DropsTheBosTokenAndMatchesTheFullEncode()
    {
        var acts = Encode(Text, out var tokens);
        var index = Enumerable.Range(0, LiveAtlasApp.LiveDSae).MaxBy(f => acts.Skip(1).Max(r => r[f]));
        using var client = app.CreateClient();

        var body = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/activation/new", new
        {
            feature = new { modelId = Model, source = LiveAtlasApp.LiveSae, index },
            customText = Text,
            ignoreBos = true,
        }));

        var values = Floats(body.GetProperty("values"));
        var expected = acts.Skip(1).Select(r => r[index]).ToArray();
        Assert.Equal(tokens.Length - 1, values.Length);
        Assert.Equal(Gpt2Tokenizer.CreateDefault().GetTokenStrings(tokens.AsSpan(1)), body.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
        for (var t = 0; t < expected.Length; t++) Assert.Equal(expected[t], values[t], 5);
        Assert.Equal(expected.Max(), body.GetProperty("maxValue").GetSingle(), 5);
        Assert.Equal(Array.IndexOf(expected, expected.Max()), body.GetProperty("maxValueTokenIndex").GetInt32());
    }

    [Fact]
    public async Task SearchAll_RankByMax_EqualsBruteForceRanking()
    {
        var acts = Encode(Text, out _);
        // Neuronpedia: BOS ignored, features with max ≤ 0 dropped, largest max first, ties by index.
        var expected = Enumerable.Range(0, LiveAtlasApp.LiveDSae)
            .Select(f => (Feature: f, Max: acts.Skip(1).Max(r => r[f])))
            .Where(x => x.Max > 0).OrderByDescending(x => x.Max).ThenBy(x => x.Feature).Take(7).ToArray();
        using var client = app.CreateClient();

        var body = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/search-all", new { modelId = Model, text = Text, numResults = 7 }));

        var results = body.GetProperty("result").EnumerateArray().ToArray();
        Assert.Equal(expected.Select(e => e.Feature), results.Select(r => r.GetProperty("index").GetString()!.ParseIndex()));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Max, results[i].GetProperty("maxValue").GetSingle(), 5);
            Assert.Equal("1-res", results[i].GetProperty("layer").GetString());   // the source id
        }
    }

    [Fact]
    public async Task SearchAll_RankingRelative_RanksByMaxOverTheStoredMaxActivation()
    {
        var acts = Encode(Text, out _);
        var stored = (await app.Store.Dashboards.GetFeaturesAsync(LiveAtlasApp.LiveModel, LiveAtlasApp.LiveSae, 0, LiveAtlasApp.LiveDSae, CancellationToken.None))
            .ToDictionary(f => f.Index, f => f.MaxActivation);
        // Each feature's live maximum over its largest activation in the dashboards; features never seen firing there
        // (no positive stored maximum) have nothing to be relative to and are left out.
        var expected = Enumerable.Range(0, LiveAtlasApp.LiveDSae)
            .Where(f => stored.GetValueOrDefault(f) > 0)
            .Select(f => (Feature: f, Max: acts.Skip(1).Max(r => r[f]), Relative: acts.Skip(1).Max(r => r[f]) / stored[f]))
            .Where(x => x.Max > 0).OrderByDescending(x => x.Relative).ThenBy(x => x.Feature).Take(7).ToArray();
        using var client = app.CreateClient();

        var body = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/search-all", new { modelId = Model, text = Text, numResults = 7, ranking = "relative" }));

        var results = body.GetProperty("result").EnumerateArray().ToArray();
        Assert.Equal(expected.Select(e => e.Feature), results.Select(r => int.Parse(r.GetProperty("index").GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Max, results[i].GetProperty("maxValue").GetSingle(), 5);
            Assert.Equal(expected[i].Relative, results[i].GetProperty("relativeToMax").GetSingle(), 4);
        }
    }

    [Fact]
    public async Task SearchAll_DefaultRanking_IsRawAndHasNoRelativeField()
    {
        using var client = app.CreateClient();

        var raw = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/search-all", new { modelId = Model, text = Text, numResults = 5 }));
        var explicitRaw = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/search-all", new { modelId = Model, text = Text, numResults = 5, ranking = "activation" }));

        Assert.All(raw.GetProperty("result").EnumerateArray(), r => Assert.False(r.TryGetProperty("relativeToMax", out _)));
        Assert.Equal(raw.GetProperty("result").EnumerateArray().Select(r => int.Parse(r.GetProperty("index").GetString()!, System.Globalization.CultureInfo.InvariantCulture)),
            explicitRaw.GetProperty("result").EnumerateArray().Select(r => int.Parse(r.GetProperty("index").GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
        var problem = await HttpAssert.ProblemAsync(System.Net.HttpStatusCode.BadRequest,
            await client.PostAsJsonAsync("api/search-all", new { modelId = Model, text = Text, ranking = "loudest" }));
        Assert.Contains("ranking must be 'activation' or 'relative'; got 'loudest'", problem);
    }

    [Fact]
    public async Task SearchAll_SortIndexes_RanksBySumAtThosePositions()
    {
        var acts = Encode(Text, out _);
        int[] positions = [2, 3];
        var expected = Enumerable.Range(0, LiveAtlasApp.LiveDSae)
            .Select(f => (Feature: f, Sum: positions.Sum(p => acts[p][f])))
            .Where(x => x.Sum > 0).OrderByDescending(x => x.Sum).ThenBy(x => x.Feature).Take(5).ToArray();
        using var client = app.CreateClient();

        var body = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/search-all", new { modelId = Model, text = Text, numResults = 5, sortIndexes = positions }));

        var results = body.GetProperty("result").EnumerateArray().ToArray();
        Assert.Equal(expected.Select(e => e.Feature), results.Select(r => r.GetProperty("index").GetString()!.ParseIndex()));
        Assert.Equal(positions, body.GetProperty("sortIndexes").EnumerateArray().Select(p => p.GetInt32()));
    }

    [Fact]
    public async Task SearchTopkByToken_EveryPosition_ListsItsStrongestFeatures()
    {
        var acts = Encode(Text, out var tokens);
        using var client = app.CreateClient();

        var body = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/search-topk-by-token",
            new { modelId = Model, source = LiveAtlasApp.LiveSae, text = Text, numResults = 3, densityThreshold = -1 }));

        var results = body.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(tokens.Length - 1, results.Length);
        foreach (var r in results)
        {
            var p = r.GetProperty("position").GetInt32();
            var expected = Enumerable.Range(0, LiveAtlasApp.LiveDSae).Where(f => acts[p][f] > 0)
                .OrderByDescending(f => acts[p][f]).ThenBy(f => f).Take(3).ToArray();
            Assert.Equal(expected, r.GetProperty("topFeatures").EnumerateArray().Select(f => f.GetProperty("featureIndex").GetInt32()));
        }
    }

    [Theory]
    [InlineData("""{"feature":{"modelId":"tiny-gpt2","source":"nope","index":1},"customText":"x"}""", "api/activation/new", HttpStatusCode.NotFound, "nope")]
    [InlineData("""{"feature":{"modelId":"tiny-gpt2","source":"tiny-res1","index":64},"customText":"x"}""", "api/activation/new", HttpStatusCode.NotFound, "has 64 features")]
    [InlineData("""{"feature":{"modelId":"tiny-gpt2","source":"tiny-res1","index":1},"customText":""}""", "api/activation/new", HttpStatusCode.BadRequest, "empty")]
    [InlineData("""{"feature":{"modelId":"tiny-gpt2","source":"tiny-res1","index":1}}""", "api/activation/new", HttpStatusCode.BadRequest, "customText")]
    [InlineData("""{"modelId":"tiny-gpt2","text":"x","numResults":101}""", "api/search-all", HttpStatusCode.BadRequest, "numResults")]
    [InlineData("""{"modelId":"tiny-gpt2","text":"x","sortIndexes":[9]}""", "api/search-all", HttpStatusCode.BadRequest, "sortIndexes")]
    [InlineData("""{"modelId":"nobody","text":"x"}""", "api/search-all", HttpStatusCode.NotFound, "nobody")]
    [InlineData("""{"modelId":"tiny-gpt2","source":"tiny-res1","text":"x","numResults":21}""", "api/search-topk-by-token", HttpStatusCode.BadRequest, "numResults")]
    public async Task Inference_BadRequest_AnswersProblemNamingTheField(string json, string path, HttpStatusCode status, string mention)
    {
        using var client = app.CreateClient();

        var detail = await HttpAssert.ProblemAsync(status, await client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json")));

        Assert.Contains(mention, detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ActivationNew_TextOverTheLimit_Returns400NamingTheLimit()
    {
        using var client = app.CreateClient();
        var text = new string('a', 8_001);

        var detail = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await client.PostAsJsonAsync("api/activation/new", new
        {
            feature = new { modelId = Model, source = LiveAtlasApp.LiveSae, index = 1 },
            customText = text,
        }));

        Assert.Contains("at most 8000", detail);
    }

    [Fact]
    public async Task ExplanationGenerate_SignedIn_StoresAScoredOfflineExplanation_Anonymous401()
    {
        var user = await app.SignUpAsync();
        using var anonymous = app.CreateClient();
        var index = (await app.Store.Dashboards.ListFeatureSummariesAsync(LiveAtlasApp.LiveModel, LiveAtlasApp.LiveSae, 0, LiveAtlasApp.LiveDSae, CancellationToken.None))
            .MaxBy(f => f.FracNonzero)!.Index;
        var request = new { modelId = Model, layer = LiveAtlasApp.LiveSae, index };

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("api/explanation/generate", request)).StatusCode);
        var body = await HttpAssert.OkJsonAsync(await user.Client.PostAsJsonAsync("api/explanation/generate", request));

        Assert.StartsWith("the token", body.GetProperty("description").GetString());
        Assert.Equal(JsonValueKind.Number, body.GetProperty("scoreDetails").GetProperty("correlation").ValueKind);
        var stored = await app.Store.Explanations.ListFeatureExplanationsAsync(new(LiveAtlasApp.LiveModel, LiveAtlasApp.LiveSae, index), CancellationToken.None);
        Assert.Contains(stored, e => e.Text == body.GetProperty("description").GetString());
    }

    [Fact]
    public async Task CachedFeaturePage_SurvivesLiveInference_AndShowsAGeneratedExplanationAtOnce()
    {
        // Inference is a POST that stores nothing a page shows, so it must not empty the page cache (it did: every
        // "test this feature" evicted every cached page); explanation/generate stores an explanation, so it must.
        using var anonymous = app.CreateClient();
        var user = await app.SignUpAsync();
        var index = (await app.Store.Dashboards.ListFeatureSummariesAsync(LiveAtlasApp.LiveModel, LiveAtlasApp.LiveSae, 0, LiveAtlasApp.LiveDSae, CancellationToken.None))
            .MaxBy(f => f.FracNonzero)!.Index;
        var page = $"{LiveAtlasApp.LiveModel}/{LiveAtlasApp.LiveSae}/{index}?text=cache-{Guid.NewGuid():N}";
        await Pages.FeaturePageCacheTests.CachedAsync(anonymous, page);

        await HttpAssert.OkJsonAsync(await anonymous.PostAsJsonAsync("api/activation/new", new
        {
            feature = new { modelId = Model, source = LiveAtlasApp.LiveSae, index },
            customText = Text,
        }));
        using (var afterInference = await anonymous.GetAsync(page)) Assert.NotNull(afterInference.Headers.Age);

        var body = await HttpAssert.OkJsonAsync(await user.Client.PostAsJsonAsync("api/explanation/generate", new { modelId = Model, layer = LiveAtlasApp.LiveSae, index }));
        using var afterWrite = await anonymous.GetAsync(page);
        Assert.Null(afterWrite.Headers.Age);
        Assert.Contains(System.Text.Encodings.Web.HtmlEncoder.Default.Encode(body.GetProperty("description").GetString()!), await afterWrite.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EveryInferencePath_ModelThatOverflows_Answers422NamingTheNonFiniteHook()
    {
        // Issue 14: the API answered with System.Text.Json's message about Infinity. A copy of the live model whose
        // block-0 MLP overflows, registered beside it with the same SAE (on blocks.1.hook_resid_pre).
        var ct = CancellationToken.None;
        var folder = Directory.CreateTempSubdirectory("atlas-overflow-").FullName;
        try
        {
            var model = OverflowingModel.Write(app.ModelDirectory, Path.Combine(folder, "model"));
            var record = (await app.Store.Models.GetModelAsync(LiveAtlasApp.LiveModel, ct))!;
            await app.Store.Models.UpsertModelAsync(record with { Name = "overflow-gpt2", Path = model }, ct);
            await app.Store.Models.UpsertSaeAsync((await app.Store.Models.GetSaeAsync(LiveAtlasApp.LiveModel, LiveAtlasApp.LiveSae, ct))! with { Model = "overflow-gpt2" }, ct);
            using var client = app.CreateClient();

            HttpResponseMessage[] answers =
            [
                await client.PostAsJsonAsync("api/activation/new", new { feature = new { modelId = "overflow-gpt2", source = LiveAtlasApp.LiveSae, index = 0 }, customText = Text }),
                await client.PostAsJsonAsync("api/search-all", new { modelId = "overflow-gpt2", text = Text, numResults = 5 }),
                await client.PostAsJsonAsync("api/search-topk-by-token", new { modelId = "overflow-gpt2", source = LiveAtlasApp.LiveSae, text = Text, numResults = 5 }),
            ];
            foreach (var answer in answers)
            {
                var detail = await HttpAssert.ProblemAsync(HttpStatusCode.UnprocessableEntity, answer);
                Assert.StartsWith($"Non-finite activations: {LiveAtlasApp.LiveHook} is ", detail);
                Assert.DoesNotContain(".NET number values", detail);
                var problem = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal("Non-finite activations", problem.GetProperty("title").GetString());
            }

            var page = await client.GetAsync("search?model=overflow-gpt2&text=" + Uri.EscapeDataString(Text));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, page.StatusCode);
            Assert.Contains($"Non-finite activations: {LiveAtlasApp.LiveHook} is ", System.Net.WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync()));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
