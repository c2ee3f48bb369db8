using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// POST /api/attribute, /api/patch and /api/ablate on the tiny synthetic GPT-2 of tiny_spec.json, through HTTP, against
/// the PyTorch goldens (tests/reference/make_circuits_golden.py, make_ablation_golden.py) within 1e-4; and every
/// bad-input rule of issue 17 as ProblemDetails naming what was wrong.
/// </summary>
public sealed class CircuitsContractTests(CircuitsAtlasApp app) : IClassFixture<CircuitsAtlasApp>
{
    private const double Tolerance = 1e-4;
    private const string Model = CircuitsAtlasApp.GoldenModel;

    private static readonly JsonObject Circuits = Load("circuits_golden.json");
    private static readonly JsonObject Ablation = Load("ablation_golden.json");

    [Fact]
    public async Task Attribute_GoldenPrompt_MatchesPyTorch()
    {
        var golden = Circuits["attribute"]!;
        using var client = app.CreateClient();

        var json = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/attribute", new
        {
            modelId = Model, token_ids = Circuits["token_ids"]!.AsArray().Select(t => (int)t!).ToArray(),
            target = $"#{(int)golden["target"]!}", distractor = $"#{(int)golden["distractor"]!}", saes = CircuitsAtlasApp.GoldenSaes, exact_top = 50,
        }));

        Close((double)golden["logit_diff"]!, json.GetProperty("logit_diff").GetDouble(), "logit_diff");
        Assert.True(json.GetProperty("sums_to_logit_diff").GetBoolean());
        Assert.Equal(11, json.GetProperty("position").GetInt32());
        Assert.Equal(" the", json.GetProperty("target").GetProperty("token").GetString());
        var components = golden["components"]!.AsArray();
        var got = json.GetProperty("components").EnumerateArray().ToArray();
        Assert.Equal(components.Select(c => (string)c!["name"]!), got.Select(c => c.GetProperty("name").GetString()));
        var measured = 0;
        for (var i = 0; i < got.Length; i++)
        {
            var name = got[i].GetProperty("name").GetString();
            Close((double)components[i]!["value"]!, got[i].GetProperty("value").GetDouble(), $"{name} value");
            Close((double)components[i]!["act_times_grad"]!, got[i].GetProperty("act_times_grad").GetDouble(), $"{name} act_times_grad");
            if (got[i].GetProperty("exact_total").ValueKind == JsonValueKind.Number)
            {
                measured++;
                Close((double)components[i]!["exact_total"]!, got[i].GetProperty("exact_total").GetDouble(), $"{name} exact_total");
            }
            if (components[i]!["by_source"] is JsonArray parts)
            {
                Assert.Equal(parts.Select(x => (double)x!).Select(Round), got[i].GetProperty("by_source").EnumerateArray().Select(x => Round(x.GetDouble())));
            }
        }

        var features = golden["features"]!.AsArray().Select(f => f!).ToDictionary(f => ((string)f["sae"]!, (int)f["index"]!));
        var gotFeatures = json.GetProperty("features").EnumerateArray().ToArray();
        Assert.Equal(features.Count, gotFeatures.Length);
        foreach (var f in gotFeatures)
        {
            var key = (f.GetProperty("sae").GetString()!, f.GetProperty("index").GetInt32());
            var want = features[key];
            Close((double)want["activation"]!, f.GetProperty("activation").GetDouble(), $"{key} activation");
            Close((double)want["direct"]!, f.GetProperty("direct").GetDouble(), $"{key} direct");
            Close((double)want["act_times_grad"]!, f.GetProperty("act_times_grad").GetDouble(), $"{key} act_times_grad");
            if (f.GetProperty("exact_total").ValueKind == JsonValueKind.Number)
            {
                measured++;
                Close((double)want["exact_total"]!, f.GetProperty("exact_total").GetDouble(), $"{key} exact_total");
            }
        }
        // The 50 nodes of largest |act × grad| among 18 heads, 3 MLPs and the features.
        Assert.Equal(Math.Min(50, 21 + features.Count), measured);
        var errors = golden["sae_errors"]!.AsArray().Select(e => e!).ToDictionary(e => (string)e["sae"]!);
        Assert.Equal(errors.Count, json.GetProperty("sae_errors").GetArrayLength());
        foreach (var e in json.GetProperty("sae_errors").EnumerateArray())
        {
            var want = errors[e.GetProperty("sae").GetString()!];
            Close((double)want["direct"]!, e.GetProperty("direct").GetDouble(), "error direct");
            Close((double)want["act_times_grad"]!, e.GetProperty("act_times_grad").GetDouble(), "error act_times_grad");
        }
    }

    [Fact]
    public async Task Attribute_Streamed_SendsTheEstimatesFirstThenThePlainAnswer()
    {
        var golden = Circuits["attribute"]!;
        using var client = app.CreateClient();
        object Body(bool stream) => new
        {
            modelId = Model, token_ids = Circuits["token_ids"]!.AsArray().Select(t => (int)t!).ToArray(),
            target = $"#{(int)golden["target"]!}", distractor = $"#{(int)golden["distractor"]!}", saes = CircuitsAtlasApp.GoldenSaes, exact_top = 50, stream,
        };
        var plain = JsonNode.Parse((await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/attribute", Body(false)))).GetRawText())!;

        using var response = await client.PostAsJsonAsync("api/attribute", Body(true));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var frames = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToArray();

        Assert.Equal(["estimates", "done"], frames.Select(f => (string)f["type"]!));
        Assert.True(JsonNode.DeepEquals(plain, frames[1]["result"]), "The done frame differs from the plain answer.");
        // The estimates are the plain answer without any exact effect.
        var estimates = frames[0]["result"]!;
        var nodes = estimates["components"]!.AsArray().Concat(estimates["features"]!.AsArray()).ToArray();
        Assert.All(nodes, n => Assert.Null(n!["exact_total"]));
        foreach (var list in new[] { "components", "features" })
        {
            foreach (var node in plain[list]!.AsArray()) node!["exact_total"] = null;
        }
        Assert.True(JsonNode.DeepEquals(plain, estimates), "The estimates frame differs from the plain answer without exact effects.");
    }

    [Fact]
    public async Task Attribute_WithoutSaes_AttributesEverySaeOfTheModel()
    {
        using var client = app.CreateClient();

        var json = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/attribute", new { modelId = Model, prompt = "The quick brown fox", target = " jumps", exact_top = 0 }));

        Assert.Equal(app.RunnableSaes.Order(), json.GetProperty("sae_errors").EnumerateArray().Select(e => e.GetProperty("sae").GetString()!).Order());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("distractor").ValueKind);
        Assert.Equal(["<|endoftext|>", "The", " quick", " brown", " fox"], json.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
        Assert.All(json.GetProperty("components").EnumerateArray(), c => Assert.Equal(JsonValueKind.Null, c.GetProperty("exact_total").ValueKind));
    }

    [Fact]
    public async Task Patch_GoldenPair_MatchesPyTorchWithAttributionAndCorrelation()
    {
        var golden = Circuits["patch"]!;
        using var client = app.CreateClient();

        var json = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/patch", new
        {
            modelId = Model, clean_ids = Ints(golden["clean_ids"]!), corrupted_ids = Ints(golden["corrupted_ids"]!),
            target = $"#{(int)golden["target"]!}", distractor = $"#{(int)golden["distractor"]!}", method = "both",
        }));

        Close((double)golden["clean_metric"]!, json.GetProperty("clean_metric").GetDouble(), "clean_metric");
        Close((double)golden["corrupted_metric"]!, json.GetProperty("corrupted_metric").GetDouble(), "corrupted_metric");
        Assert.Equal(12, json.GetProperty("tokens").GetArrayLength());
        foreach (var grid in new[] { "resid_pre", "attn_out", "mlp_out", "heads" })
        {
            Grid(golden[grid]!, json.GetProperty(grid), grid);
            Grid(golden["attribution"]![grid]!, json.GetProperty("attribution").GetProperty(grid), $"attribution {grid}");
            Close((double)golden["correlation"]![grid]!, json.GetProperty("correlation").GetProperty(grid).GetDouble(), $"correlation {grid}");
        }
    }

    [Fact]
    public async Task Patch_AttributionMethod_AnswersTheEstimateAlone()
    {
        var golden = Circuits["patch"]!;
        using var client = app.CreateClient();

        var json = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/patch", new
        {
            modelId = Model, clean_ids = Ints(golden["clean_ids"]!), corrupted_ids = Ints(golden["corrupted_ids"]!), target = "#262", distractor = "#13", method = "attribution",
        }));

        Grid(golden["attribution"]!["heads"]!, json.GetProperty("heads"), "heads");
        Assert.False(json.TryGetProperty("correlation", out _));
    }

    /// <summary>The ablation goldens whose SAEs run on the raw model (the centred SAE's case is Core's test alone).</summary>
    public static TheoryData<string> AblationCases() => new(Ablation["cases"]!.AsArray()
        .Where(c => c!["edits"]!.AsArray().All(e => (string)e!["sae"]! != CircuitsAtlasApp.CenteredSae)).Select(c => (string)c!["name"]!));

    [Theory]
    [MemberData(nameof(AblationCases))]
    public async Task Ablate_GoldenCase_MatchesPyTorch(string name)
    {
        var golden = Ablation["cases"]!.AsArray().Single(c => (string)c!["name"]! == name)!;
        using var client = app.CreateClient();

        var json = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/ablate", new
        {
            modelId = Model, token_ids = Ints(Ablation["token_ids"]!), target = $"#{(int)golden["target"]!}",
            distractor = golden["distractor"] is null ? null : $"#{(int)golden["distractor"]!}", position = (int)golden["position"]!, top_n = 5,
            features = golden["edits"]!.AsArray().Select(e => new { sae = (string)e!["sae"]!, index = (int)e["index"]!, value = (double?)e["value"], positions = e["positions"] is JsonArray p ? Ints(p) : null }),
        }));

        Close((double)golden["metric_before"]!, json.GetProperty("metric_before").GetDouble(), "metric_before");
        Close((double)golden["metric_after"]!, json.GetProperty("metric_after").GetDouble(), "metric_after");
        Close((double)golden["metric_after"]! - (double)golden["metric_before"]!, json.GetProperty("metric_change").GetDouble(), "metric_change");
        Close((double)golden["kl"]!, json.GetProperty("kl").GetDouble(), "kl");
        Close((double)golden["target_after"]!, json.GetProperty("target_prob_after").GetDouble(), "target_prob_after");
        foreach (var list in new[] { "top_before", "top_after" })
        {
            var want = golden[list]!.AsArray();
            var got = json.GetProperty(list).EnumerateArray().ToArray();
            Assert.Equal(want.Select(w => (int)w!["token_id"]!), got.Select(g => g.GetProperty("token_id").GetInt32()));
            for (var i = 0; i < got.Length; i++)
            {
                Close((double)want[i]!["before"]!, got[i].GetProperty("before").GetDouble(), $"{list} #{i} before");
                Close((double)want[i]!["after"]!, got[i].GetProperty("after").GetDouble(), $"{list} #{i} after");
            }
        }
        var found = golden["found"]!.AsArray();
        Assert.Equal(found.Select(f => ((string)f!["sae"]!, (int)f["index"]!, (int)f["position"]!)),
            json.GetProperty("features").EnumerateArray().Select(f => (f.GetProperty("sae").GetString()!, f.GetProperty("index").GetInt32(), f.GetProperty("position").GetInt32())));
    }

    public static TheoryData<string, string, HttpStatusCode, string[]> BadInput() => new()
    {
        // Prompts of unequal length: 400 naming both lengths.
        { "api/patch", $$"""{"modelId": "{{Model}}", "clean": "The quick brown fox", "corrupted": "The quick brown fox jumps", "target": " the", "distractor": "."}""",
            HttpStatusCode.BadRequest, ["5 tokens", "corrupted prompt 6"] },
        // A target that is not one token: 400 naming its tokens.
        { "api/attribute", $$"""{"modelId": "{{Model}}", "prompt": "The quick brown fox", "target": " jumps over"}""",
            HttpStatusCode.BadRequest, ["target", "2 tokens", "' jumps' #18045", "' over' #625"] },
        { "api/patch", $$"""{"modelId": "{{Model}}", "clean": "a b", "corrupted": "a c", "target": " the", "distractor": "the end"}""",
            HttpStatusCode.BadRequest, ["distractor", "2 tokens"] },
        { "api/ablate", $$"""{"modelId": "{{Model}}", "prompt": "a b", "target": "#99999", "features": [{"sae": "hookz-1", "index": 1}]}""",
            HttpStatusCode.BadRequest, ["#99999", "vocabulary"] },
        // Prompts over the limit: 400 naming the limit.
        { "api/attribute", $$"""{"modelId": "{{Model}}", "prompt": "{{string.Concat(Enumerable.Repeat(" the", 64))}}", "target": " the"}""",
            HttpStatusCode.BadRequest, ["65 tokens", "at most 64"] },
        { "api/patch", $$"""{"modelId": "{{Model}}", "clean": "{{string.Concat(Enumerable.Repeat(" the", 24))}}", "corrupted": "{{string.Concat(Enumerable.Repeat(" a", 24))}}", "target": " the", "distractor": "."}""",
            HttpStatusCode.BadRequest, ["clean", "25 tokens", "at most 24"] },
        { "api/ablate", $$"""{"modelId": "{{Model}}", "token_ids": [{{string.Join(",", Enumerable.Repeat(262, 65))}}], "features": [{"sae": "hookz-1", "index": 1}]}""",
            HttpStatusCode.BadRequest, ["token_ids has 65 tokens", "at most 64"] },
        // Unknown model or SAE: 404 naming it.
        { "api/attribute", """{"modelId": "no-such-model", "prompt": "a", "target": " the"}""", HttpStatusCode.NotFound, ["no-such-model"] },
        { "api/patch", """{"modelId": "no-such-model", "clean": "a", "corrupted": "b", "target": " the", "distractor": "."}""", HttpStatusCode.NotFound, ["no-such-model"] },
        { "api/ablate", """{"modelId": "no-such-model", "prompt": "a", "features": [{"sae": "x", "index": 1}]}""", HttpStatusCode.NotFound, ["no-such-model"] },
        { "api/attribute", $$"""{"modelId": "{{Model}}", "prompt": "a", "target": " the", "saes": ["no-such-sae"]}""", HttpStatusCode.NotFound, ["no-such-sae"] },
        { "api/ablate", $$"""{"modelId": "{{Model}}", "prompt": "a", "features": [{"sae": "no-such-sae", "index": 1}]}""", HttpStatusCode.NotFound, ["no-such-sae"] },
        // Other fields.
        { "api/ablate", $$"""{"modelId": "{{Model}}", "prompt": "a b", "features": [{"sae": "hookz-1", "index": 200}]}""",
            HttpStatusCode.BadRequest, ["Feature 200 does not exist in SAE 'hookz-1'"] },
        { "api/ablate", $$"""{"modelId": "{{Model}}", "prompt": "a b", "features": [{"sae": "hookz-1", "index": 1, "positions": [3]}]}""",
            HttpStatusCode.BadRequest, ["Position 3", "3 tokens"] },
        { "api/ablate", $$"""{"modelId": "{{Model}}", "prompt": "a b", "features": []}""", HttpStatusCode.BadRequest, ["features is required"] },
        { "api/attribute", $$"""{"modelId": "{{Model}}", "prompt": "a b", "target": " the", "position": 3}""", HttpStatusCode.BadRequest, ["position 3", "3 tokens"] },
        { "api/attribute", $$"""{"modelId": "{{Model}}", "prompt": "a b", "token_ids": [1, 2], "target": " the"}""", HttpStatusCode.BadRequest, ["prompt or token_ids, not both"] },
        { "api/attribute", $$"""{"modelId": "{{Model}}", "prompt": "a b", "target": " the", "exact_top": 51}""", HttpStatusCode.BadRequest, ["exact_top must be 0 to 50"] },
        { "api/attribute", $$"""{"modelId": "{{Model}}", "prompt": "a b"}""", HttpStatusCode.BadRequest, ["target is required"] },
        { "api/patch", $$"""{"modelId": "{{Model}}", "clean": "a b", "corrupted": "a c", "target": " the", "distractor": ".", "method": "fast"}""",
            HttpStatusCode.BadRequest, ["method must be exact, attribution or both"] },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Endpoints_BadInput_AnswerProblemDetailsNamingIt(string path, string body, HttpStatusCode status, string[] named)
    {
        using var client = app.CreateClient();

        var detail = await HttpAssert.ProblemAsync(status, await client.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json")));

        foreach (var part in named) Assert.Contains(part, detail, StringComparison.Ordinal);
    }

    private static JsonObject Load(string name) => (JsonObject)JsonNode.Parse(File.ReadAllText(global::FeatureAtlas.TestSupport.Golden.Path(name)))!;

    private static int[] Ints(JsonNode node) => node.AsArray().Select(x => (int)x!).ToArray();

    private static double Round(double x) => Math.Round(x, 4);

    private static void Grid(JsonNode want, JsonElement got, string what)
    {
        var rows = want.AsArray();
        Assert.Equal(rows.Count, got.GetArrayLength());
        for (var l = 0; l < rows.Count; l++)
        {
            var row = rows[l]!.AsArray();
            Assert.Equal(row.Count, got[l].GetArrayLength());
            for (var i = 0; i < row.Count; i++) Close((double)row[i]!, got[l][i].GetDouble(), $"{what}[{l}][{i}]");
        }
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= Tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: {actual}, expected {expected}.");
}
