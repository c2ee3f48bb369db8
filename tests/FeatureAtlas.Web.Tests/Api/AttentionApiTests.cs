using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Web.Api;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>POST /api/attention on the tiny live model: the patterns against Core run directly, one layer on request, and bad input.</summary>
public sealed class AttentionApiTests(LiveAtlasApp app) : IClassFixture<LiveAtlasApp>
{
    private const string Text = "Call me Ishmael. Some years ago";

    [Fact]
    public async Task Attention_EveryLayer_MatchesCore()
    {
        var tokens = Gpt2Tokenizer.CreateDefault().Encode(Text, prependBos: true);
        var expected = AttentionPatterns.Run(Gpt2Model.Load(app.ModelDirectory), tokens);
        using var client = app.CreateClient();

        var response = await client.PostAsJsonAsync("api/attention", new { modelId = LiveAtlasApp.LiveModel, prompt = Text });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(tokens.Length, body.GetProperty("tokens").GetArrayLength());
        var layers = body.GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal(expected.Length, layers.Length);
        for (var l = 0; l < layers.Length; l++)
        {
            Assert.Equal(l, layers[l].GetProperty("layer").GetInt32());
            var heads = layers[l].GetProperty("heads");
            for (var h = 0; h < expected[l].Length; h++)
            {
                for (var q = 0; q < tokens.Length; q++) Assert.Equal(expected[l][h][q], heads[h][q].EnumerateArray().Select(x => x.GetSingle()));
            }
        }
        Assert.Equal(JsonValueKind.Null, body.GetProperty("dfa").ValueKind);
    }

    [Fact]
    public async Task Attention_OneLayer_ReturnsOnlyThatLayer()
    {
        using var client = app.CreateClient();

        var response = await client.PostAsJsonAsync("api/attention", new { modelId = LiveAtlasApp.LiveModel, prompt = Text, layer = 1 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var layers = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("layers");
        Assert.Equal(1, Assert.Single(layers.EnumerateArray()).GetProperty("layer").GetInt32());
    }

    [Theory]
    [InlineData("no-such-model", Text, null, null, HttpStatusCode.NotFound, "no-such-model")]
    [InlineData(LiveAtlasApp.LiveModel, Text, LiveAtlasApp.LiveSae, 3, HttpStatusCode.BadRequest, "attn.hook_z")]
    [InlineData(LiveAtlasApp.LiveModel, Text, LiveAtlasApp.LiveSae, null, HttpStatusCode.BadRequest, "together")]
    [InlineData(LiveAtlasApp.LiveModel, "", null, null, HttpStatusCode.BadRequest, "empty")]
    public async Task Attention_BadInput_AnswersProblemDetails(string model, string prompt, string? source, int? index, HttpStatusCode status, string named)
    {
        using var client = app.CreateClient();

        var response = await client.PostAsJsonAsync("api/attention", new { modelId = model, prompt, source, index });

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Attention_PromptOverTheLimit_NamesTheLimit()
    {
        using var client = app.CreateClient();
        var prompt = string.Join(' ', Enumerable.Repeat("word", AttentionApi.MaxTokens + 5));

        var response = await client.PostAsJsonAsync("api/attention", new { modelId = LiveAtlasApp.LiveModel, prompt });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"at most {AttentionApi.MaxTokens}", await response.Content.ReadAsStringAsync());
    }
}
