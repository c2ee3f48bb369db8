using System.Net.Http.Json;
using System.Text.Json;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Web.Tests.TestSupport;

namespace FeatureAtlas.Web.Tests.Api;

/// <summary>
/// DFA on the web path: <c>activation/new</c> for a feature of the tiny golden model's attn.hook_z SAE (hookz-1) carries
/// Neuronpedia's dfaValues, dfaTargetIndex and dfaMaxValue, equal to Core's AttentionPatterns.Dfa (checked against
/// PyTorch in Core's tests) at the token where the feature is largest; with ignoreBos the BOS entry goes and the target
/// index shifts with it. An SAE on another hook answers without DFA.
/// </summary>
public sealed class DfaApiTests(CircuitsAtlasApp app) : IClassFixture<CircuitsAtlasApp>
{
    private const string Text = "The cat sat on the mat because the cat was tired";
    private const string HookZSae = "hookz-1";

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    /// <summary>
    /// The hook_z feature with the largest activation after BOS on the text, and Core's DFA for it at the token where it
    /// is largest (from <paramref name="first"/> on, as activation/new looks with ignoreBos).
    /// </summary>
    private (int Feature, DirectFeatureAttribution Dfa, int[] Tokens) Expected(int first)
    {
        var model = Gpt2Model.Load(app.Checkpoint.ModelDirectory);
        var sae = SparseAutoencoder.Load(app.Checkpoint.SaeDirectory(HookZSae));
        var tokens = Gpt2Tokenizer.CreateDefault().Encode(Text, prependBos: true);
        var z = model.Run(tokens, 1, Core.Hooks.RunOptions.CacheOnly(sae.HookName)).Cache[sae.HookName].Data;
        var acts = new float[tokens.Length][];
        for (var t = 0; t < tokens.Length; t++)
        {
            acts[t] = new float[sae.DSae];
            sae.EncodeRow(z.AsSpan(t * sae.DIn, sae.DIn), acts[t]);
        }
        var feature = Enumerable.Range(0, sae.DSae).MaxBy(i => acts.Skip(1).Max(r => r[i]));
        Assert.True(acts.Skip(1).Max(r => r[feature]) > 0, "some hook_z feature fires on the text");
        var position = Enumerable.Range(first, tokens.Length - first).MaxBy(t => acts[t][feature]);
        return (feature, AttentionPatterns.Dfa(model, sae, tokens, feature, position), tokens);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ActivationNew_HookZFeature_CarriesCoresDfaAtTheMaxToken(bool ignoreBos)
    {
        var shift = ignoreBos ? 1 : 0;
        var (feature, dfa, tokens) = Expected(shift);
        using var client = app.CreateClient();

        var body = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/activation/new", new
        {
            feature = new { modelId = CircuitsAtlasApp.GoldenModel, source = HookZSae, index = feature },
            customText = Text,
            ignoreBos,
        }));

        var values = Floats(body.GetProperty("dfaValues"));
        Assert.Equal(tokens.Length - shift, values.Length);
        Assert.Equal(body.GetProperty("values").GetArrayLength(), values.Length);
        Assert.Equal(dfa.TargetIndex - shift, body.GetProperty("dfaTargetIndex").GetInt32());
        Assert.Equal(body.GetProperty("maxValueTokenIndex").GetInt32(), body.GetProperty("dfaTargetIndex").GetInt32());
        for (var s = 0; s < values.Length; s++) Assert.Equal(dfa.Values[s + shift], values[s], 5);
        Assert.Equal(dfa.MaxValue, body.GetProperty("dfaMaxValue").GetSingle(), 5);
        Assert.Contains(values, v => v != 0f);
        Assert.All(values.Skip(dfa.TargetIndex - shift + 1), v => Assert.Equal(0f, v));
    }

    [Fact]
    public async Task ActivationNew_ResidualFeature_HasNoDfa()
    {
        using var client = app.CreateClient();

        var body = await HttpAssert.OkJsonAsync(await client.PostAsJsonAsync("api/activation/new", new
        {
            feature = new { modelId = CircuitsAtlasApp.GoldenModel, source = "standard-resid-pre-1", index = 0 },
            customText = Text,
        }));

        Assert.True(!body.TryGetProperty("dfaValues", out var dfa) || dfa.ValueKind == JsonValueKind.Null);
    }
}
