using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FeatureAtlas.Core.Graphs;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// POST /api/graph/steer on the tiny live model with stored transcoders: Neuronpedia's response shape with the numbers
/// of Core's <see cref="GraphSteering"/> run directly (which is checked against PyTorch in Core.Tests), and bad input as
/// ProblemDetails naming the field.
/// </summary>
public sealed class GraphSteerApiTests(GraphSteerAtlasApp app) : IClassFixture<GraphSteerAtlasApp>
{
    private const string Prompt = "Call me Ishmael. Some years ago";

    private static object Feature(int layer, int index, int active, int? position, bool generated, double? delta, bool ablate) => new
    {
        layer, index, token_active_position = active, steer_position = position, steer_generated_tokens = generated, delta, ablate,
    };

    [Fact]
    public async Task Steer_SetAndAblate_ReturnsCoresTokensAndTopLogitsPerToken()
    {
        var tokens = Gpt2Tokenizer.CreateDefault().Encode(Prompt, prependBos: true);
        var last = tokens.Length - 1;
        GraphSteerFeature[] features = [new(1, 3, last, last, false, 4f, false), new(0, 7, 2, null, true, null, true)];
        var expected = GraphSteering.Run(Gpt2Model.Load(app.ModelDirectory), app.Transcoders, tokens, features, new GraphSteerOptions { NewTokens = 4, TopK = 3 });
        using var client = app.CreateClient();

        var response = await client.PostAsJsonAsync("api/graph/steer", new
        {
            modelId = LiveAtlasApp.LiveModel, prompt = Prompt, nTokens = 4, topK = 3,
            features = new[] { Feature(1, 3, last, last, false, 4, false), Feature(0, 7, 2, null, true, null, true) },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var tokenizer = Gpt2Tokenizer.CreateDefault();
        Assert.Equal(tokenizer.Decode([.. tokens[1..], .. expected.DefaultTokens]), json.GetProperty("DEFAULT_GENERATION").GetString());
        Assert.Equal(tokenizer.Decode([.. tokens[1..], .. expected.SteeredTokens]), json.GetProperty("STEERED_GENERATION").GetString());
        Assert.StartsWith(Prompt, json.GetProperty("STEERED_GENERATION").GetString(), StringComparison.Ordinal);
        foreach (var (field, generated, top) in new[] { ("DEFAULT_LOGITS_BY_TOKEN", expected.DefaultTokens, expected.DefaultTop), ("STEERED_LOGITS_BY_TOKEN", expected.SteeredTokens, expected.SteeredTop) })
        {
            var rows = json.GetProperty(field).EnumerateArray().ToArray();
            int[] sequence = [.. tokens, .. generated];
            Assert.Equal(sequence.Length, rows.Length);
            Assert.Equal(tokenizer.GetTokenStrings(sequence), rows.Select(r => r.GetProperty("token").GetString()));
            for (var i = 0; i < rows.Length; i++)
            {
                var logits = rows[i].GetProperty("top_logits").EnumerateArray().ToArray();
                if (i < last)
                {
                    Assert.Empty(logits);
                    continue;
                }
                var choices = top[i - last];
                Assert.Equal(choices.Select(c => tokenizer.Decode([c.Token])), logits.Select(l => l.GetProperty("token").GetString()));
                Assert.Equal(choices.Select(c => Math.Exp(c.Logprob)), logits.Select(l => l.GetProperty("prob").GetDouble()));
            }
        }
        Assert.NotEqual(expected.DefaultTop[0], expected.SteeredTop[0]);
    }

    [Fact]
    public async Task Steer_LeadingEndOfText_IsTheBos()
    {
        using var client = app.CreateClient();
        object[] features = [Feature(1, 3, 2, 2, false, 4, false)];

        var plain = await client.PostAsJsonAsync("api/graph/steer", new { modelId = LiveAtlasApp.LiveModel, prompt = Prompt, nTokens = 2, features });
        var withBos = await client.PostAsJsonAsync("api/graph/steer", new { modelId = LiveAtlasApp.LiveModel, prompt = "<|endoftext|>" + Prompt, nTokens = 2, features });

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal(await plain.Content.ReadAsStringAsync(), await withBos.Content.ReadAsStringAsync());
    }

    public static TheoryData<string, object, HttpStatusCode, string> BadRequests => new()
    {
        { "unknown model", new { modelId = "no-such-model", prompt = Prompt, features = Array.Empty<object>() }, HttpStatusCode.NotFound, "no-such-model" },
        { "prompt over 64 tokens", new { modelId = LiveAtlasApp.LiveModel, prompt = string.Concat(Enumerable.Repeat(" whale", 70)), features = Array.Empty<object>() }, HttpStatusCode.BadRequest, "at most 64" },
        { "no features", new { modelId = LiveAtlasApp.LiveModel, prompt = Prompt }, HttpStatusCode.BadRequest, "features is required" },
        { "block out of range", new { modelId = LiveAtlasApp.LiveModel, prompt = Prompt, features = new[] { Feature(5, 0, 0, 0, false, 1, false) } }, HttpStatusCode.BadRequest, "features[0].layer is 5" },
        { "index out of range", new { modelId = LiveAtlasApp.LiveModel, prompt = Prompt, features = new[] { Feature(1, 99, 0, 0, false, 1, false) } }, HttpStatusCode.BadRequest, "features[0].index is 99" },
        { "delta and ablate", new { modelId = LiveAtlasApp.LiveModel, prompt = Prompt, features = new[] { Feature(1, 2, 0, 0, false, 1, true) } }, HttpStatusCode.BadRequest, "give delta or ablate" },
        { "position past the prompt", new { modelId = LiveAtlasApp.LiveModel, prompt = Prompt, features = new[] { Feature(1, 2, 0, 40, false, 1, false) } }, HttpStatusCode.BadRequest, "features[0].steer_position is 40" },
        { "missing field", new { modelId = LiveAtlasApp.LiveModel, prompt = Prompt, features = new[] { new { layer = 1, index = 2 } } }, HttpStatusCode.BadRequest, "features[0].token_active_position" },
        { "nTokens 0", new { modelId = LiveAtlasApp.LiveModel, prompt = Prompt, nTokens = 0, features = Array.Empty<object>() }, HttpStatusCode.BadRequest, "nTokens" },
        { "unknown set", new { modelId = LiveAtlasApp.LiveModel, prompt = Prompt, sourceSetName = "nope", features = new[] { Feature(1, 2, 0, 0, false, 1, false) } }, HttpStatusCode.NotFound, "Source set 'nope'" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Steer_BadInput_AnswersProblemDetailsNamingTheProblem(string what, object body, HttpStatusCode status, string named)
    {
        using var client = app.CreateClient();

        var response = await client.PostAsJsonAsync("api/graph/steer", body);

        Assert.True(status == response.StatusCode, what);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
        Assert.Contains(named, detail, StringComparison.Ordinal);
    }
}
