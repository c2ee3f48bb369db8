using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Model;

/// <summary>
/// Every hook and the logits of a small random GPT-2 (3 layers, d_model 96, 6 heads, vocab 50257) against an
/// independent PyTorch implementation (tests/reference/make_golden.py), raw and with TransformerLens processing.
/// Tolerance: 1e-4 of the tensor's largest value.
/// </summary>
public class Gpt2ParityTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void SyntheticWeights_MatchThePythonGenerator()
    {
        foreach (var (key, sum) in fixture.Checkpoint.GeneratedSums)
        {
            var expected = fixture.Golden("check/" + key)[0];
            Assert.True(Math.Abs(expected - sum) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"{key}: sum {sum}, Python's {expected}.");
        }
    }

    [Theory]
    [InlineData("raw")]
    [InlineData("tl")]
    public void Run_EveryHookAndLastLogits_MatchPyTorch(string processing)
    {
        var model = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory, WeightProcessing.Parse(processing));
        var tokens = fixture.Checkpoint.TokenIds;
        // The hooks added in issue 17 have their goldens in backward_golden.safetensors (Gpt2BackwardTests).
        var hooks = HookNames.All(model.Config.Layers).Where(h => !AddedWithTheBackwardPass(h)).ToArray();

        var output = model.Run(tokens, 1, new RunOptions { Cache = hooks });

        foreach (var hook in hooks)
        {
            var actual = output.Cache[hook];
            var expectedShape = fixture.GoldenShape($"{processing}/{hook}");
            Assert.Equal(expectedShape.Select(x => (int)x), actual.Shape.Skip(1));
            TestData.AssertClose(fixture.Golden($"{processing}/{hook}"), actual.Data, Tolerance, $"{processing} {hook}");
        }
        var logits = output.Logits!;
        var last = logits.Data.AsSpan((tokens.Length - 1) * model.Config.Vocab, model.Config.Vocab);
        TestData.AssertClose(fixture.Golden($"{processing}/logits_last"), last, Tolerance, $"{processing} logits");
    }

    private static bool AddedWithTheBackwardPass(string hook) =>
        hook.EndsWith(".hook_scale", StringComparison.Ordinal) || hook.EndsWith("attn.hook_attn_scores", StringComparison.Ordinal)
        || hook.EndsWith("attn.hook_result", StringComparison.Ordinal) || hook.Contains(".ln1.", StringComparison.Ordinal) || hook.Contains(".ln2.", StringComparison.Ordinal);

    [Fact]
    public void Run_LastPositionOnly_EqualsTheFullLogitsRow()
    {
        var model = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);
        var tokens = fixture.Checkpoint.TokenIds;
        var last = model.Run(tokens, 1, new RunOptions { LogitsLastPositionOnly = true }).Logits!;
        Assert.Equal([1, model.Config.Vocab], last.Shape);
        TestData.AssertClose(fixture.Golden("raw/logits_last"), last.Data, Tolerance, "last-position logits");
    }
}
