using System.Text.Json.Nodes;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Circuits;

/// <summary>
/// Feature ablation and clamping on the tiny GPT-2 of tiny_spec.json against an independent PyTorch implementation
/// (tests/reference/make_ablation_golden.py): standard, JumpReLU, gated, TopK (rescaled), layer-norm and
/// constant-norm SAEs, hook_z and mlp.hook_post, two SAEs on one hook. Tolerance 1e-4.
/// </summary>
public class FeatureAblationGoldenTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const double Tolerance = 1e-4;

    private static readonly JsonObject Golden = (JsonObject)JsonNode.Parse(File.ReadAllText(global::FeatureAtlas.TestSupport.Golden.Path("ablation_golden.json")))!;

    private Gpt2Model Model { get; } = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);

    public static TheoryData<string> Cases() => new(Golden["cases"]!.AsArray().Select(c => (string)c!["name"]!));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_EditsFeatures_MatchesPyTorch(string name)
    {
        var golden = Golden["cases"]!.AsArray().Single(c => (string)c!["name"]! == name)!;
        var edits = golden["edits"]!.AsArray().Select(e => new FeatureEdit((string)e!["sae"]!, (int)e["index"]!, (float?)e["value"],
            e["positions"] is JsonArray positions ? positions.Select(q => (int)q!).ToArray() : null)).ToArray();
        var saes = edits.Select(e => e.Sae).Distinct().Select(n => SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory(n))).ToArray();

        var result = FeatureAblation.Run(Model, saes, fixture.Checkpoint.TokenIds, edits, (int)golden["target"]!, (int?)golden["distractor"], (int)golden["position"]!, 5);

        Assert.Equal((int)golden["position"]!, result.Position);
        AssertClose((double)golden["metric_before"]!, result.MetricBefore!.Value, "metric before");
        AssertClose((double)golden["metric_after"]!, result.MetricAfter!.Value, "metric after");
        AssertClose((double)golden["kl"]!, result.Kl, "KL");
        AssertClose((double)golden["target_before"]!, result.Target!.Value.Before, "target before");
        AssertClose((double)golden["target_after"]!, result.Target!.Value.After, "target after");
        AssertTop(golden["top_before"]!.AsArray(), result.TopBefore, "top before");
        AssertTop(golden["top_after"]!.AsArray(), result.TopAfter, "top after");
        var found = golden["found"]!.AsArray();
        Assert.Equal(found.Count, result.Features.Count);
        for (var i = 0; i < found.Count; i++)
        {
            var want = found[i]!;
            var got = result.Features[i];
            Assert.Equal(((string)want["sae"]!, (int)want["index"]!, (int)want["position"]!), (got.Sae, got.Index, got.Position));
            AssertClose((double)want["found"]!, got.Found, $"{got.Sae} #{got.Index} at {got.Position} found");
            Assert.Equal((float)(double)want["set"]!, got.Set);
        }
    }

    [Fact]
    public void Run_ZeroAblation_ChangesTheMetricByAttributionsExactTotalEffect()
    {
        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory("standard-resid-pre-1"));
        var tokens = fixture.Checkpoint.TokenIds;
        var attribution = LogitAttribution.Explain(Model, [sae], tokens, 262, 13, exactTop: 1000);
        var strongest = attribution.Features.MaxBy(f => Math.Abs(f.ActTimesGrad))!;

        var result = FeatureAblation.Run(Model, [sae], tokens, [new FeatureEdit(sae.Name, strongest.Index, 0f, [tokens.Length - 1])], 262, 13);

        AssertClose(strongest.Exact!.Value, -result.MetricChange!.Value, "metric change vs exact total effect");
        AssertClose(strongest.Activation, result.Features.Single().Found, "activation found");
    }

    [Fact]
    public void Run_ClampToCurrentValue_ChangesNothing()
    {
        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory("jumprelu-resid-post-2"));
        var tokens = fixture.Checkpoint.TokenIds;
        var found = FeatureAblation.Run(Model, [sae], tokens, [new FeatureEdit(sae.Name, 5)]).Features.Single(f => f.Position == tokens.Length - 1).Found;

        var result = FeatureAblation.Run(Model, [sae], tokens, [new FeatureEdit(sae.Name, 5, found, [tokens.Length - 1])], 262);

        Assert.Equal(result.MetricBefore!.Value, result.MetricAfter!.Value, 4);
        Assert.True(result.Kl < 1e-6, $"KL {result.Kl}");
    }

    [Theory]
    [InlineData("no-such-sae", 0, null, "no-such-sae")]
    [InlineData("hookz-1", 200, null, "Feature 200 does not exist in SAE 'hookz-1', which has 200 features")]
    [InlineData("hookz-1", 1, 12, "Position 12 for hookz-1 #1 is outside the prompt's 12 tokens")]
    public void Run_BadEdit_NamesIt(string saeName, int index, int? position, string message)
    {
        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory("hookz-1"));

        var error = Assert.ThrowsAny<Exception>(() => FeatureAblation.Run(Model, [sae], fixture.Checkpoint.TokenIds,
            [new FeatureEdit(saeName, index, null, position is { } p ? [p] : null)]));

        Assert.Contains(message, error.Message);
    }

    private static void AssertTop(JsonArray want, IReadOnlyList<TokenChange> got, string what)
    {
        Assert.Equal(want.Select(e => (int)e!["token_id"]!), got.Select(e => e.TokenId));
        for (var i = 0; i < want.Count; i++)
        {
            AssertClose((double)want[i]!["before"]!, got[i].Before, $"{what} #{i} before");
            AssertClose((double)want[i]!["after"]!, got[i].After, $"{what} #{i} after");
        }
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= Tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: {actual}, expected {expected}.");
}
