using System.Net.Http.Json;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// Transcoder features on the web, like SAE features: "test this feature" (<c>activation/new</c>) equals the transcoder's
/// encoder written out from its definition on the model's ln2 output, and similar features rank the feature's own
/// transcoder and the other transcoders by decoder cosine, computed here in double precision.
/// </summary>
public sealed class TranscoderFeatureApiTests(GraphSteerAtlasApp app) : IClassFixture<GraphSteerAtlasApp>
{
    private const string Text = "Call me Ishmael. Some years ago";

    [Theory]
    [InlineData(0, 3)]   // standard: ReLU(x·W_enc + b_enc)
    [InlineData(1, 9)]   // TopK k 4: the 4 largest pre-activations, ReLU
    public async Task ActivationNew_TranscoderFeature_EqualsItsEncoderOnTheLn2Output(int layer, int index)
    {
        var transcoder = app.Transcoders[layer];
        var tokens = Gpt2Tokenizer.CreateDefault().Encode(Text, prependBos: true);
        // The server's processing: the session's, chosen from the SAEs it holds.
        var model = InferenceSession.Load(app.ModelDirectory, [app.SaeDirectory]).Model;
        var hook = HookNames.Ln2Normalized(layer);
        var x = model.Record(tokens, 1, new RunOptions { Cache = [hook] }).Cache[hook].Data;
        var p = transcoder.Encoder.Parameters;
        int n = transcoder.DIn, s = transcoder.DSae;
        var expected = new double[tokens.Length];
        for (var t = 0; t < tokens.Length; t++)
        {
            var pre = new double[s];
            for (var j = 0; j < s; j++)
            {
                double sum = p.BEnc![j];
                for (var i = 0; i < n; i++) sum += (double)x[t * n + i] * p.WEnc[i * s + j];
                pre[j] = sum;
            }
            var kept = transcoder.Architecture == SaeArchitecture.TopK && pre.Count(v => v > pre[index]) >= transcoder.Encoder.Config.K;
            expected[t] = kept ? 0 : Math.Max(0, pre[index]);
        }
        using var client = app.CreateClient();

        var body = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/activation/new", new
        {
            feature = new { modelId = LiveAtlasApp.LiveModel, source = transcoder.Name, index },
            customText = Text,
            ignoreBos = false,
        }));

        var values = body.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(tokens.Length, values.Length);
        for (var t = 0; t < values.Length; t++) Assert.Equal(expected[t], values[t], 1e-4);
        Assert.Contains(values, v => v > 0);
        Assert.False(body.TryGetProperty("dfaValues", out var dfa) && dfa.ValueKind == System.Text.Json.JsonValueKind.Array);
    }

    [Fact]
    public async Task Similar_OfATranscoderFeature_RanksEachTranscoderByDecoderCosine()
    {
        const int index = 5;
        using var client = app.CreateClient();

        var body = await HttpAssert.OkJsonAsync(await client.GetAsync($"api/feature/{LiveAtlasApp.LiveModel}/tiny-tc1/{index}/similar?k=4"));

        var lists = body.GetProperty("saes").EnumerateArray().ToDictionary(l => l.GetProperty("layer").GetString()!);
        Assert.Equal("tiny-tc1", body.GetProperty("saes")[0].GetProperty("layer").GetString());
        Assert.Contains(LiveAtlasApp.LiveSae, lists.Keys);
        var source = Row(app.Transcoders[1].Encoder, index);
        foreach (var (name, own) in new[] { ("tiny-tc1", true), ("tiny-tc0", false) })
        {
            var other = app.Transcoders.Single(t => t.Name == name).Encoder;
            var expected = Enumerable.Range(0, other.DSae).Where(j => !own || j != index)
                .Select(j => (Index: j, Cosine: Cosine(source, Row(other, j)))).OrderByDescending(e => e.Cosine).Take(4).ToArray();
            var got = lists[name].GetProperty("features").EnumerateArray().ToArray();
            Assert.Equal(expected.Select(e => e.Index), got.Select(f => f.GetProperty("index").GetInt32()));
            for (var r = 0; r < expected.Length; r++) Assert.Equal(expected[r].Cosine, got[r].GetProperty("cosine").GetDouble(), 1e-5);
        }
    }

    private static double[] Row(SparseAutoencoder sae, int feature) =>
        Enumerable.Range(0, sae.DIn).Select(i => (double)sae.Parameters.WDec[feature * sae.DIn + i]).ToArray();

    private static double Cosine(double[] a, double[] b) =>
        a.Zip(b, (x, y) => x * y).Sum() / Math.Sqrt(a.Sum(x => x * x) * b.Sum(y => y * y));
}
