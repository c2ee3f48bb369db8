using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Model;

/// <summary>
/// The backward pass and the hooks added with it against PyTorch autograd (tests/reference/make_backward_golden.py)
/// on an odd-shaped GPT-2 (d_model 24, 3 heads, d_mlp 40, 3 layers, T 7), raw and TransformerLens-processed,
/// free and with attention patterns and layer-norm scales frozen. Tolerance: 1e-4 of each tensor's largest value.
/// </summary>
public class Gpt2BackwardTests(BackwardModelFixture fixture) : IClassFixture<BackwardModelFixture>
{
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData("raw")]
    [InlineData("tl")]
    public void Run_AddedHooks_MatchPyTorch(string processing)
    {
        var model = fixture.Load(processing);
        var hooks = HookNames.All(model.Config.Layers).Where(h => fixture.HasGolden($"{processing}/fwd/{h}")).ToArray();
        Assert.Equal(3 * 6 + 2, hooks.Length);   // ln1/ln2 scale and normalized, attn_scores, result per block; ln_final's two

        var output = model.Run(fixture.TokenIds, 1, new RunOptions { Cache = hooks });

        foreach (var hook in hooks) AssertGolden($"{processing}/fwd/{hook}", output.Cache[hook]);
        TestData.AssertClose(fixture.Golden($"{processing}/fwd/logits"), output.Logits!.Data, Tolerance, "logits with every added hook cached");
    }

    [Fact]
    public void Run_EditingHookResult_ChangesAttnOutAsTheSumOverHeads()
    {
        var model = fixture.Load("raw");
        var d = model.Config.DModel;
        var clean = model.Run(fixture.TokenIds, 1, RunOptions.CacheOnly(HookNames.AttnOut(1)));
        var edited = model.Run(fixture.TokenIds, 1, new RunOptions
        {
            Cache = [HookNames.AttnOut(1), HookNames.Result(1)],
            Hooks = new Dictionary<string, ActivationHook> { [HookNames.Result(1)] = (_, shape, values) => values.Slice(2 * d, d).Clear() },  // head 2 at position 0
        });
        var before = clean.Cache[HookNames.AttnOut(1)].Data;
        var after = edited.Cache[HookNames.AttnOut(1)].Data;
        var headTwo = model.Run(fixture.TokenIds, 1, RunOptions.CacheOnly(HookNames.Result(1))).Cache[HookNames.Result(1)].Data.AsSpan(2 * d, d);
        for (var i = 0; i < d; i++) Assert.Equal(before[i] - headTwo[i], after[i], 1e-5);
        TestData.AssertClose(before.AsSpan(d), after.AsSpan(d), 1e-6, "attn_out at unedited positions");
    }

    [Theory]
    [InlineData("raw", "dense", "free")]
    [InlineData("raw", "dense", "frozen")]
    [InlineData("raw", "logitdiff", "free")]
    [InlineData("raw", "logitdiff", "frozen")]
    [InlineData("tl", "dense", "free")]
    [InlineData("tl", "dense", "frozen")]
    [InlineData("tl", "logitdiff", "free")]
    [InlineData("tl", "logitdiff", "frozen")]
    public void Backward_EveryHookGradient_MatchesAutograd(string processing, string metric, string freeze)
    {
        var model = fixture.Load(processing);
        var tokens = fixture.TokenIds;
        int t = tokens.Length, v = model.Config.Vocab, d = model.Config.DModel;
        var tape = model.Record(tokens);
        var options = freeze == "frozen" ? BackwardOptions.Frozen : BackwardOptions.Full;
        var prefix = $"{processing}/{metric}/{freeze}";

        ActivationCache grads;
        double value;
        if (metric == "dense")
        {
            var g = fixture.MetricWeights;
            value = g.Zip(tape.Logits.Data, (a, b) => (double)a * b).Sum();
            grads = model.BackwardFromLogits(tape, g, options);
        }
        else
        {
            var last = tape.Logits.Data.AsSpan((t - 1) * v, v);
            value = last[fixture.Target] - last[fixture.Distractor];
            var direction = new float[t * d];
            var distractor = new float[d];
            model.UnembeddingColumn(fixture.Target, direction.AsSpan((t - 1) * d, d));
            model.UnembeddingColumn(fixture.Distractor, distractor);
            for (var i = 0; i < d; i++) direction[(t - 1) * d + i] -= distractor[i];
            grads = model.Backward(tape, direction, options);
        }

        var expectedValue = fixture.Golden(prefix + "/value")[0];
        Assert.True(Math.Abs(value - expectedValue) <= Tolerance * Math.Max(1, Math.Abs(expectedValue)), $"metric {value}, PyTorch {expectedValue}");
        var all = HookNames.All(model.Config.Layers).ToArray();
        Assert.Equal(all.Length, grads.Count);
        foreach (var hook in all) AssertGolden($"{prefix}/grad/{hook}", grads[hook]);
    }

    [Fact]
    public void Backward_AskedForSomeGradients_ReturnsOnlyThose()
    {
        var model = fixture.Load("raw");
        var tape = model.Record(fixture.TokenIds);
        var grads = model.BackwardFromLogits(tape, fixture.MetricWeights, new BackwardOptions { Gradients = [HookNames.Z(1), HookNames.Embed] });
        Assert.Equal(new HashSet<string> { HookNames.Z(1), HookNames.Embed }, grads.Names.ToHashSet());
        AssertGolden($"raw/dense/free/grad/{HookNames.Z(1)}", grads[HookNames.Z(1)]);

        var error = Assert.Throws<ArgumentException>(() => model.BackwardFromLogits(tape, fixture.MetricWeights, new BackwardOptions { Gradients = ["blocks.9.hook_z"] }));
        Assert.Contains("blocks.9.hook_z", error.Message);
    }

    private void AssertGolden(string name, Core.Tensors.Tensor actual)
    {
        Assert.Equal(fixture.GoldenShape(name).Select(x => (int)x), actual.Shape.Skip(1));
        var expected = fixture.Golden(name);
        var data = actual.Data.ToArray();
        // attn_scores hold −∞ above the diagonal: those must match exactly; the finite rest by tolerance.
        for (var i = 0; i < expected.Length; i++)
        {
            if (float.IsInfinity(expected[i]) || float.IsInfinity(data[i]))
            {
                Assert.True(expected[i] == data[i], $"{name}: element {i} is {data[i]}, expected {expected[i]}.");
                expected[i] = data[i] = 0;
            }
        }
        TestData.AssertClose(expected, data, Tolerance, name);
    }
}
