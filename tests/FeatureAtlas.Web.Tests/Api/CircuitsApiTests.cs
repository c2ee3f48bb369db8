using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// POST /api/lens on the tiny live model: the NDJSON frames against Core's logit lens run directly, the tuned lens once
/// one is stored beside the model (404 before), and bad input.
/// </summary>
public sealed class CircuitsApiTests(LiveAtlasApp app) : IClassFixture<LiveAtlasApp>
{
    private const string Text = "Call me Ishmael. Some years ago";

    [Fact]
    public async Task Lens_StreamsMetaPromptOneFramePerPositionAndDone()
    {
        var tokens = Gpt2Tokenizer.CreateDefault().Encode(Text, prependBos: true);
        var expected = LogitLens.Run(Gpt2Model.Load(app.ModelDirectory), tokens, 3);
        using var client = app.CreateClient();

        var response = await client.PostAsJsonAsync("api/lens", new { modelId = LiveAtlasApp.LiveModel, prompt = Text, top_n = 3 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var frames = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(["meta", "prompt", .. Enumerable.Repeat("token", tokens.Length), "done"], frames.Select(f => f.GetProperty("type").GetString()));
        Assert.Equal(tokens.Length, frames[0].GetProperty("prompt_len").GetInt32());
        Assert.Equal(expected.Select(l => l.Layer), frames[0].GetProperty("layers_by_type").GetProperty("LOGIT_LENS").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Equal(tokens, frames[1].GetProperty("token_ids").EnumerateArray().Select(x => x.GetInt32()));
        for (var p = 0; p < tokens.Length; p++)
        {
            var frame = frames[2 + p];
            Assert.Equal(p, frame.GetProperty("position").GetInt32());
            Assert.Equal(tokens[p], frame.GetProperty("id").GetInt32());
            var result = frame.GetProperty("results")[0];
            Assert.Equal("LOGIT_LENS", result.GetProperty("type").GetString());
            var ids = result.GetProperty("top_ids").EnumerateArray().ToArray();
            var probs = result.GetProperty("top_probs").EnumerateArray().ToArray();
            for (var l = 0; l < expected.Count; l++)
            {
                Assert.Equal(expected[l].Top[p].Select(e => e.TokenId), ids[l].EnumerateArray().Select(x => x.GetInt32()));
                Assert.Equal(expected[l].Top[p].Select(e => e.Prob), probs[l].EnumerateArray().Select(x => x.GetSingle()));
                Assert.Equal(3, result.GetProperty("top_tokens")[l].GetArrayLength());
            }
        }
        Assert.Equal(tokens.Length, frames[^1].GetProperty("seq_len").GetInt32());
    }

    [Fact]
    public async Task Lens_TunedLens_404WithoutOneThenTheStoredLensReadout()
    {
        var tokens = Gpt2Tokenizer.CreateDefault().Encode(Text, prependBos: true);
        var model = Gpt2Model.Load(app.ModelDirectory);
        using var client = app.CreateClient();
        var request = new { modelId = LiveAtlasApp.LiveModel, prompt = Text, top_n = 2, type = "TUNED_LENS" };

        var missing = await client.PostAsJsonAsync("api/lens", request);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("atlas train-lens", await missing.Content.ReadAsStringAsync());

        var random = new Random(17);
        var c = model.Config;
        float[] Draw(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale)).ToArray();
        var lens = TunedLens.Create(c, [.. Enumerable.Range(0, c.Layers - 1).Select(_ => Draw(c.DModel * c.DModel, 0.5))], [.. Enumerable.Range(0, c.Layers - 1).Select(_ => Draw(c.DModel, 2))]);
        lens.Save(TunedLens.DirectoryFor(app.ModelDirectory));
        var expected = LogitLens.Run(model, tokens, 2, lens);
        Assert.NotEqual(LogitLens.Run(model, tokens, 2)[0].Top.SelectMany(r => r), expected[0].Top.SelectMany(r => r));

        var response = await client.PostAsJsonAsync("api/lens", request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var frames = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(["TUNED_LENS"], frames[0].GetProperty("types").EnumerateArray().Select(x => x.GetString()));
        for (var p = 0; p < tokens.Length; p++)
        {
            var result = frames[2 + p].GetProperty("results")[0];
            Assert.Equal("TUNED_LENS", result.GetProperty("type").GetString());
            for (var l = 0; l < expected.Count; l++)
            {
                Assert.Equal(expected[l].Top[p].Select(e => e.TokenId), result.GetProperty("top_ids")[l].EnumerateArray().Select(x => x.GetInt32()));
                Assert.Equal(expected[l].Top[p].Select(e => e.Prob), result.GetProperty("top_probs")[l].EnumerateArray().Select(x => x.GetSingle()));
            }
        }
    }

    [Theory]
    [InlineData("no-such-model", Text, 3, HttpStatusCode.NotFound, "no-such-model")]
    [InlineData(LiveAtlasApp.LiveModel, Text, 0, HttpStatusCode.BadRequest, "top_n")]
    [InlineData(LiveAtlasApp.LiveModel, "", 3, HttpStatusCode.BadRequest, "empty")]
    [InlineData(LiveAtlasApp.LiveModel, Text, 3, HttpStatusCode.BadRequest, "type must be LOGIT_LENS or TUNED_LENS", "JACOBIAN_LENS")]
    public async Task Lens_BadInput_AnswersProblemDetails(string model, string prompt, int top, HttpStatusCode status, string named, string type = "LOGIT_LENS")
    {
        using var client = app.CreateClient();

        var response = await client.PostAsJsonAsync("api/lens", new { modelId = model, prompt, top_n = top, type });

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, await response.Content.ReadAsStringAsync());
    }
}
