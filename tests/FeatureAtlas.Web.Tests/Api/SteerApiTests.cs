using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FeatureAtlas.Core.Generation;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Steering;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Web.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// POST /api/steer on the tiny live model: Neuronpedia's request and response shapes, texts and logprobs equal to
/// Core's generation run directly, saved runs and share links, server-sent events, the limits with errors naming
/// the field, who may save vectors, and a client that goes away stopping its work.
/// </summary>
public sealed class SteerApiTests(LiveAtlasApp app) : IClassFixture<LiveAtlasApp>
{
    private const string Prompt = "Call me Ishmael. Some years ago";
    private const string Model = LiveAtlasApp.LiveModel;
    private const string Sae = LiveAtlasApp.LiveSae;

    private static object Body(int index = 3, double strength = 20, int nTokens = 8, double temperature = 0, int seed = 16, string method = "SIMPLE_ADDITIVE", bool stream = false) => new
    {
        prompt = Prompt,
        modelId = Model,
        features = new[] { new { modelId = Model, layer = Sae, index, strength } },
        temperature,
        n_tokens = nTokens,
        freq_penalty = 0,
        seed,
        strength_multiplier = 2,
        steer_method = method,
        stream,
    };

    /// <summary>DEFAULT and STEERED by Core directly on a freshly loaded copy of the model (not the site's runtime).</summary>
    private IReadOnlyList<GenerationResult> Reference(int index, float coefficient, int nTokens, SteeringMethod method)
    {
        var session = InferenceSession.Load(app.ModelDirectory, [app.SaeDirectory]);
        var tokens = Gpt2Tokenizer.CreateDefault().Encode(Prompt, prependBos: true);
        var plan = new SteeringPlan([SteeringVector.ForFeature(session.Saes[0], index, coefficient)], method);
        return TextGenerator.Generate(session.Model, tokens, new GenerationOptions { NewTokens = nTokens, Temperature = 0, Seed = 16, TopLogprobs = 5 }, [SteeringPlan.None, plan]);
    }

    private static string Text(GenerationResult r)
    {
        var tokenizer = Gpt2Tokenizer.CreateDefault();
        return tokenizer.Decode([.. r.PromptTokens.Skip(1), .. r.TokenIds]);
    }

    [Theory]
    [InlineData("SIMPLE_ADDITIVE", SteeringMethod.SimpleAdditive)]
    [InlineData("ORTHOGONAL_DECOMP", SteeringMethod.OrthogonalDecomp)]
    [InlineData("PROJECTION_CAP", SteeringMethod.ProjectionCap)]
    [InlineData("CLAMP", SteeringMethod.Clamp)]
    public async Task Steer_Greedy_NeuronpediaShapeWithCoresTextsAndLogprobs(string method, SteeringMethod expectedMethod)
    {
        using var client = app.CreateClient();

        var body = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/steer", Body(index: 5, strength: 30, method: method)));

        var expected = Reference(5, 60, 8, expectedMethod);   // strength 30 × multiplier 2
        Assert.Equal(Text(expected[1]), body.GetProperty("STEERED").GetString());
        Assert.Equal(Text(expected[0]), body.GetProperty("DEFAULT").GetString());
        foreach (var (name, result) in new[] { ("steeredLogProbs", expected[1]), ("defaultLogProbs", expected[0]) })
        {
            var logprobs = body.GetProperty(name).EnumerateArray().ToArray();
            Assert.Equal(8, logprobs.Length);
            for (var i = 0; i < 8; i++)
            {
                var step = result.Tokens[i];
                Assert.Equal(Gpt2Tokenizer.CreateDefault().Decode([step.Token]), logprobs[i].GetProperty("token").GetString());
                Assert.Equal(step.Logprob, logprobs[i].GetProperty("logprob").GetSingle(), 1e-4f);
                var top = logprobs[i].GetProperty("topLogprobs").EnumerateArray().ToArray();
                Assert.Equal(5, top.Length);
                Assert.Equal(step.Top.Select(c => Gpt2Tokenizer.CreateDefault().Decode([c.Token])), top.Select(t => t.GetProperty("token").GetString()));
                Assert.Equal(step.Top[0].Logprob, top[0].GetProperty("logprob").GetSingle(), 1e-4f);
            }
        }
        var id = body.GetProperty("id").GetString()!;
        Assert.Matches("^[0-9a-f]{20}$", id);
        Assert.Equal(new Uri(app.BaseAddress, $"steer/{id}").ToString(), body.GetProperty("shareUrl").GetString());
    }

    [Fact]
    public async Task Steer_SameSettingsAgain_AnswersTheSavedRunAndGetReturnsIt()
    {
        using var client = app.CreateClient();
        var first = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/steer", Body(index: 7, seed: 99, temperature: 0.7)));

        var second = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/steer", Body(index: 7, seed: 99, temperature: 0.7)));
        var other = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/steer", Body(index: 7, seed: 100, temperature: 0.7)));
        var saved = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/steer/{first.GetProperty("id").GetString()}"));

        Assert.False(first.TryGetProperty("cached", out _));
        Assert.True(second.GetProperty("cached").GetBoolean());
        Assert.Equal(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
        Assert.Equal(first.GetProperty("STEERED").GetString(), second.GetProperty("STEERED").GetString());
        Assert.NotEqual(first.GetProperty("id").GetString(), other.GetProperty("id").GetString());
        Assert.Equal(first.GetProperty("STEERED").GetString(), saved.GetProperty("result").GetProperty("STEERED").GetString());
        Assert.Equal(Prompt, saved.GetProperty("settings").GetProperty("prompt").GetString());
        Assert.Equal(99, saved.GetProperty("settings").GetProperty("seed").GetDouble());
        Assert.Equal(7, saved.GetProperty("settings").GetProperty("features")[0].GetProperty("index").GetInt32());
        await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await client.GetAsync("api/steer/0123456789abcdef0123"));
    }

    [Fact]
    public async Task Steer_Stream_FramesCarryBothTextsSoFarThenTheWholeAnswer()
    {
        using var client = app.CreateClient();
        var plain = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/steer", Body(index: 9, nTokens: 6)));
        // Another seed so the streamed run is not the saved one (temperature 0 makes the texts the same anyway).
        using var response = await client.PostAsJsonAsync("api/steer", Body(index: 9, nTokens: 6, seed: 17, stream: true));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var frames = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(f => JsonDocument.Parse(f["data: ".Length..]).RootElement).ToArray();

        // At most one frame per generated token, then the answer: each frame carries the texts so far, so the server
        // drops a frame the client has not read before the next token (a slow reader gets fewer, never stale, frames).
        Assert.InRange(frames.Length, 1, 7);
        for (var i = 0; i < frames.Length - 1; i++)
        {
            Assert.False(frames[i].GetProperty("done").GetBoolean());
            Assert.StartsWith(frames[i].GetProperty("DEFAULT").GetString()!, frames[i + 1].GetProperty("DEFAULT").GetString()!);
            Assert.StartsWith(frames[i].GetProperty("STEERED").GetString()!, frames[i + 1].GetProperty("STEERED").GetString()!);
            Assert.Equal(JsonValueKind.Null, frames[i].GetProperty("steeredLogProbs").ValueKind);
        }
        var last = frames[^1];
        Assert.True(last.GetProperty("done").GetBoolean());
        Assert.Equal(plain.GetProperty("STEERED").GetString(), last.GetProperty("STEERED").GetString());
        Assert.Equal(plain.GetProperty("DEFAULT").GetString(), last.GetProperty("DEFAULT").GetString());
        Assert.Equal(6, last.GetProperty("steeredLogProbs").GetArrayLength());
    }

    public static TheoryData<string, HttpStatusCode, string> BadRequests => new()
    {
        { """{"prompt":"x","modelId":"nope","features":[{"layer":"tiny-res1","index":1,"strength":5}]}""", HttpStatusCode.NotFound, "Model 'nope'" },
        { """{"prompt":"x","modelId":"tiny-gpt2","features":[{"layer":"res-nope","index":1,"strength":5}]}""", HttpStatusCode.NotFound, "SAE 'res-nope'" },
        { """{"prompt":"x","modelId":"tiny-gpt2","features":[{"layer":"tiny-res1","index":64,"strength":5}]}""", HttpStatusCode.NotFound, "Feature 64 is not in SAE 'tiny-res1'" },
        { """{"prompt":"x","modelId":"tiny-gpt2","vectors":[{"hook":"blocks.1.hook_resid_pre","vector":[1,2,3],"strength":5}]}""", HttpStatusCode.BadRequest, "takes d_model = 32" },
        { """{"prompt":"x","modelId":"tiny-gpt2","features":[{"layer":"tiny-res1","index":1,"strength":"NaN"}]}""", HttpStatusCode.BadRequest, "features[0].strength must be a finite number" },
        { """{"prompt":"x","modelId":"tiny-gpt2","features":[{"layer":"tiny-res1","index":1,"strength":"-Infinity"}]}""", HttpStatusCode.BadRequest, "features[0].strength must be a finite number" },
        { """{"prompt":"x","modelId":"tiny-gpt2","n_tokens":257,"features":[{"layer":"tiny-res1","index":1,"strength":5}]}""", HttpStatusCode.BadRequest, "n_tokens must be 1 to 256" },
        { """{"prompt":"x","modelId":"tiny-gpt2","n_tokens":0,"features":[{"layer":"tiny-res1","index":1,"strength":5}]}""", HttpStatusCode.BadRequest, "n_tokens must be 1 to 256" },
        { """{"prompt":"x","modelId":"tiny-gpt2","temperature":2.5,"features":[{"layer":"tiny-res1","index":1,"strength":5}]}""", HttpStatusCode.BadRequest, "temperature must be between 0 and 2" },
        { """{"prompt":"x","modelId":"tiny-gpt2","strength_multiplier":"Infinity","features":[{"layer":"tiny-res1","index":1,"strength":5}]}""", HttpStatusCode.BadRequest, "strength_multiplier must be a finite number" },
        { """{"prompt":"x","modelId":"tiny-gpt2","steer_method":"SIDEWAYS","features":[{"layer":"tiny-res1","index":1,"strength":5}]}""", HttpStatusCode.BadRequest, "steer_method must be" },
        { """{"prompt":"x","modelId":"tiny-gpt2"}""", HttpStatusCode.BadRequest, "at least one entry in features or vectors" },
        { """{"prompt":"x y z","modelId":"tiny-gpt2","n_tokens":128,"features":[{"layer":"tiny-res1","index":1,"strength":5}]}""", HttpStatusCode.BadRequest, "exceeds the model's 128 positions" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Steer_BadInput_ProblemNamingIt(string json, HttpStatusCode status, string expected)
    {
        using var client = app.CreateClient();

        var detail = await HttpAssert.ProblemAsync(status, await client.PostAsync("api/steer", new StringContent(json, Encoding.UTF8, "application/json")));

        Assert.Contains(expected, detail);
    }

    [Fact]
    public async Task Steer_PromptOverTheLimitOrTooManyFeatures_400NamingTheField()
    {
        using var client = app.CreateClient();
        var features = Enumerable.Range(0, 33).Select(i => new { layer = Sae, index = i, strength = 1.0 }).ToArray();

        var longPrompt = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await client.PostAsJsonAsync("api/steer", new { prompt = new string('a', 2049), modelId = Model, features = features[..1] }));
        var tooMany = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await client.PostAsJsonAsync("api/steer", new { prompt = "x", modelId = Model, features }));

        Assert.Equal("prompt is 2049 characters long; at most 2048 are allowed.", longPrompt);
        Assert.Equal("features and vectors hold 33 entries; at most 32 are allowed.", tooMany);
    }

    [Fact]
    public async Task VectorNew_Anonymous401_SignedInSavesAVectorThatSteers()
    {
        using var anonymous = app.CreateClient();
        var user = await app.SharedUserAsync("steerer");
        var vector = Enumerable.Range(0, 32).Select(i => Math.Sin(i)).ToArray();
        var request = new { modelId = Model, hook = LiveAtlasApp.LiveHook, vector, label = "sine", defaultStrength = 12.5 };

        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, await anonymous.PostAsJsonAsync("api/vector/new", request));
        var saved = await HttpAssert.OkJsonAsync(await user.KeyClient.PostAsJsonAsync("api/vector/new", request));
        var wrong = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await user.KeyClient.PostAsJsonAsync("api/vector/new", request with { vector = vector[..31] }));
        var steered = await HttpAssert.OkJsonAsync(await anonymous.PostAsJsonAsync("api/steer", new
        {
            prompt = Prompt, modelId = Model, temperature = 0, n_tokens = 4,
            vectors = new[] { new { vectorId = saved.GetProperty("id").GetInt32() } },
        }));
        var inline = await HttpAssert.OkJsonAsync(await anonymous.PostAsJsonAsync("api/steer", new
        {
            prompt = Prompt, modelId = Model, temperature = 0, n_tokens = 4,
            vectors = new[] { new { hook = LiveAtlasApp.LiveHook, vector, strength = 12.5 } },
        }));

        Assert.Equal("sine", saved.GetProperty("label").GetString());
        Assert.Equal(12.5f, saved.GetProperty("defaultStrength").GetSingle());
        Assert.Equal(user.Name, saved.GetProperty("creator").GetString());
        Assert.Equal("request.vector has 31 numbers, but blocks.1.hook_resid_pre of model 'tiny-gpt2' takes d_model = 32.", wrong);
        Assert.Equal(inline.GetProperty("STEERED").GetString(), steered.GetProperty("STEERED").GetString());
    }

    [Fact]
    public async Task VectorNew_NeuronpediaClientBody_AnswersNeuronpediasVectorRow()
    {
        var user = await app.SharedUserAsync("steerer");
        var vector = Enumerable.Range(0, 32).Select(i => Math.Cos(i)).ToArray();
        // vector_request.py's new(): {modelId, layerNumber, hookType, vector, vectorDefaultSteerStrength, vectorLabel}.
        var body = new { modelId = Model, layerNumber = 1, hookType = "hook_resid_pre", vector, vectorDefaultSteerStrength = -4.0, vectorLabel = "cosine" };

        var saved = await HttpAssert.OkJsonAsync(await user.KeyClient.PostAsJsonAsync("api/vector/new", body));
        var badType = await HttpAssert.ProblemAsync(HttpStatusCode.BadRequest, await user.KeyClient.PostAsJsonAsync("api/vector/new", body with { hookType = "hook_mlp_out" }));

        // The client reads response["vector"][modelId, source, index, label, hookName, values, defaultSteerStrength] and response["url"].
        var row = saved.GetProperty("vector");
        Assert.Equal("Success", saved.GetProperty("message").GetString());
        Assert.StartsWith(app.BaseAddress.ToString(), saved.GetProperty("url").GetString());
        Assert.Equal((Model, "1-neuronpedia-resid-pre", saved.GetProperty("id").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), "cosine", LiveAtlasApp.LiveHook, -4f),
            (row.GetProperty("modelId").GetString(), row.GetProperty("source").GetString(), row.GetProperty("index").GetString(), row.GetProperty("label").GetString(),
             row.GetProperty("hookName").GetString(), row.GetProperty("defaultSteerStrength").GetSingle()));
        Assert.Equal(vector.Select(v => (float)v), row.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()));
        Assert.Equal(JsonValueKind.String, row.GetProperty("createdAt").ValueKind);
        Assert.Equal("hookType must be hook_resid_pre or hook_resid_post; got 'hook_mlp_out'.", badType);
    }

    [Fact]
    public async Task Vector_NeuronpediaClientCalls_GetListSteerAndDeleteBySourceAndIndex()
    {
        var owner = await app.SignUpAsync("vector-owner");
        var other = await app.SignUpAsync("vector-other");
        using var anonymous = app.CreateClient();
        var vector = Enumerable.Range(0, 32).Select(i => Math.Sin(3 * i)).ToArray();
        var saved = (await HttpAssert.OkJsonAsync(await owner.KeyClient.PostAsJsonAsync("api/vector/new",
            new { modelId = Model, layerNumber = 1, hookType = "hook_resid_pre", vector, vectorDefaultSteerStrength = 8.0, vectorLabel = "triple sine" }))).GetProperty("vector");
        var key = new { modelId = Model, source = saved.GetProperty("source").GetString(), index = saved.GetProperty("index").GetString() };

        // vector_request.py get(): response["vector"][modelId, layer, index, vectorLabel, hookName, vector, vectorDefaultSteerStrength].
        var got = (await HttpAssert.OkJsonAsync(await anonymous.PostAsJsonAsync("api/vector/get", key))).GetProperty("vector");
        Assert.Equal((Model, key.source, key.index, "triple sine", LiveAtlasApp.LiveHook, 8f),
            (got.GetProperty("modelId").GetString(), got.GetProperty("layer").GetString(), got.GetProperty("index").GetString(), got.GetProperty("vectorLabel").GetString(),
             got.GetProperty("hookName").GetString(), got.GetProperty("vectorDefaultSteerStrength").GetSingle()));
        Assert.Equal(vector.Select(v => (float)v), got.GetProperty("vector").EnumerateArray().Select(v => v.GetSingle()));
        // get_owned(): POST with no body, response["vectors"].
        using var bare = new HttpRequestMessage(HttpMethod.Post, "api/vector/list-owned");
        var owned = (await HttpAssert.OkJsonAsync(await owner.KeyClient.SendAsync(bare))).GetProperty("vectors");
        Assert.Equal([key.index], owned.EnumerateArray().Select(v => v.GetProperty("index").GetString()));

        // steer_completion() with an NPVector: the vector as a feature of its source, index its id; the same as steering by vectorId.
        var asFeature = await HttpAssert.OkJsonAsync(await anonymous.PostAsJsonAsync("api/steer", new
        {
            prompt = Prompt, modelId = Model, temperature = 0, n_tokens = 4,
            features = new[] { new { modelId = Model, layer = key.source, index = key.index, strength = 8.0 } },
        }));
        var byId = await HttpAssert.OkJsonAsync(await anonymous.PostAsJsonAsync("api/steer", new
        {
            prompt = Prompt, modelId = Model, temperature = 0, n_tokens = 4,
            vectors = new[] { new { vectorId = int.Parse(key.index!, System.Globalization.CultureInfo.InvariantCulture), strength = 8.0 } },
        }));
        Assert.Equal(byId.GetProperty("STEERED").GetString(), asFeature.GetProperty("STEERED").GetString());

        // delete(): only its owner; then it is gone.
        await HttpAssert.ProblemAsync(HttpStatusCode.Forbidden, await other.KeyClient.PostAsJsonAsync("api/vector/delete", key));
        Assert.Equal("Success", (await HttpAssert.OkJsonAsync(await owner.KeyClient.PostAsJsonAsync("api/vector/delete", key))).GetProperty("message").GetString());
        Assert.Contains("has no saved vector", await HttpAssert.ProblemAsync(HttpStatusCode.NotFound, await anonymous.PostAsJsonAsync("api/vector/get", key)));
        Assert.Contains("not a source of saved vectors", await HttpAssert.ProblemAsync(HttpStatusCode.NotFound,
            await anonymous.PostAsJsonAsync("api/vector/get", key with { source = "1-res" })));
    }

    [Fact]
    public async Task Steer_ClientGoesAwayWhileQueued_WorkNeverRunsAndNothingIsSaved()
    {
        var runtime = app.Services.GetRequiredService<ModelRuntime>();
        await runtime.GetAsync(Model, CancellationToken.None);
        var before = runtime.Stats(Model);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocker = runtime.RunAsync(Model, "test-blocker", (_, _) =>
        {
            started.SetResult();
            release.Task.Wait(CancellationToken.None);
            return 0;
        }, CancellationToken.None);
        await started.Task;

        using (var client = app.CreateClient())
        {
            using var gone = new CancellationTokenSource();
            var request = client.PostAsJsonAsync("api/steer", Body(index: 11, nTokens: 100, seed: 4242, stream: true), gone.Token);
            await WaitForAsync(() => runtime.Stats(Model).Waiting == 1);
            await gone.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        }
        await WaitForAsync(() => runtime.Stats(Model).Waiting == 0);
        release.SetResult();
        await blocker;

        var after = runtime.Stats(Model);
        Assert.Equal(before.Cancelled + 1, after.Cancelled);
        Assert.Equal(before.Completed + 1, after.Completed);   // the blocker only
        using var check = app.CreateClient();
        var rerun = await HttpAssert.OkJsonAsync(await check.PostAsJsonAsync("api/steer", Body(index: 11, nTokens: 100, seed: 4242)));
        Assert.False(rerun.TryGetProperty("cached", out _));
    }

    [Theory]
    [InlineData("/api/steer", "POST", AtlasRateLimits.Inference)]
    [InlineData("/api/vector/new", "POST", AtlasRateLimits.Writes)]
    [InlineData("/api/steer/{id}", "GET", AtlasRateLimits.Reads)]
    public void Endpoint_CountsAgainstItsRateLimit(string route, string method, string policy)
    {
        var endpoints = app.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints.OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>();

        var endpoint = Assert.Single(endpoints, e => "/" + e.RoutePattern.RawText?.TrimStart('/') == route
            && e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods.Contains(method) == true);

        Assert.Equal(policy, endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute>()?.PolicyName);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("The condition did not come true within 30 s.");
            await Task.Delay(10);
        }
    }
}
