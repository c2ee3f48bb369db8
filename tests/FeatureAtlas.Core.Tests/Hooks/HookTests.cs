using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Hooks;

/// <summary>Hooks that edit activations, stop-at-layer, cache filtering and batching on the tiny model.</summary>
public class HookTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private Gpt2Model Model { get; } = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);

    private int[] Tokens => fixture.Checkpoint.TokenIds;

    [Fact]
    public void Hook_ZeroAblatingAttnOut_LeavesResidMidEqualToResidPre()
    {
        var options = new RunOptions
        {
            Cache = [HookNames.ResidPre(1), HookNames.ResidMid(1)],
            Hooks = new Dictionary<string, ActivationHook> { [HookNames.AttnOut(1)] = (_, _, values) => values.Clear() },
        };
        var output = Model.Run(Tokens, 1, options);
        Assert.Equal(output.Cache[HookNames.ResidPre(1)].Data, output.Cache[HookNames.ResidMid(1)].Data);

        var clean = Model.Run(Tokens).Logits!;
        Assert.NotEqual(clean.Data, output.Logits!.Data);
    }

    [Fact]
    public void Hook_SteeringResidPre_AddsTheVectorAndChangesLaterLayers()
    {
        var d = Model.Config.DModel;
        var steer = TestData.Uniform(d, 42);
        var clean = Model.Run(Tokens, 1, new RunOptions { Cache = [HookNames.ResidPre(1), HookNames.ResidPost(2)] });
        int[] shapeSeen = [];
        var steered = Model.Run(Tokens, 1, new RunOptions
        {
            Cache = [HookNames.ResidPre(1), HookNames.ResidPost(2)],
            Hooks = new Dictionary<string, ActivationHook>
            {
                [HookNames.ResidPre(1)] = (_, shape, values) =>
                {
                    shapeSeen = shape.ToArray();
                    for (var i = 0; i < values.Length; i++) values[i] += steer[i % d];
                },
            },
        });
        Assert.Equal([1, Tokens.Length, d], shapeSeen);
        var before = clean.Cache[HookNames.ResidPre(1)].Data;
        var after = steered.Cache[HookNames.ResidPre(1)].Data;
        for (var i = 0; i < before.Length; i++) Assert.Equal(before[i] + steer[i % d], after[i], 1e-6);
        Assert.NotEqual(clean.Cache[HookNames.ResidPost(2)].Data, steered.Cache[HookNames.ResidPost(2)].Data);
    }

    [Fact]
    public void Hook_EditingPattern_ChangesZAsPatternTimesV()
    {
        // Make every query attend only to BOS (key 0): then z at every position equals v at position 0.
        var options = new RunOptions
        {
            Cache = [HookNames.V(0), HookNames.Z(0)],
            Hooks = new Dictionary<string, ActivationHook>
            {
                [HookNames.Pattern(0)] = (_, shape, values) =>
                {
                    var t = shape[3];
                    for (var row = 0; row < values.Length / t; row++)
                    {
                        var r = values.Slice(row * t, t);
                        r.Clear();
                        r[0] = 1f;
                    }
                },
            },
        };
        var output = Model.Run(Tokens, 1, options);
        var v = output.Cache[HookNames.V(0)].Data;
        var z = output.Cache[HookNames.Z(0)].Data;
        var d = Model.Config.DModel;
        for (var t = 0; t < Tokens.Length; t++)
        {
            for (var i = 0; i < d; i++) Assert.Equal(v[i], z[t * d + i], 1e-6);
        }
    }

    [Fact]
    public void StopAtLayer_ReturnsNoLogitsAndRejectsDeeperHooks()
    {
        var output = Model.Run(Tokens, 1, new RunOptions { StopAtLayer = 1, Cache = [HookNames.ResidPost(0)] });
        Assert.Null(output.Logits);
        TestData.AssertClose(fixture.Golden("raw/" + HookNames.ResidPost(0)), output.Cache[HookNames.ResidPost(0)].Data, 1e-4, "resid_post 0");

        var error = Assert.Throws<ArgumentException>(() => Model.Run(Tokens, 1, new RunOptions { StopAtLayer = 1, Cache = [HookNames.ResidPre(2)] }));
        Assert.Contains("layer 2", error.Message);
    }

    [Fact]
    public void CacheOnly_CachesExactlyTheNamedHooksWithoutLogits()
    {
        var output = Model.Run(Tokens, 1, RunOptions.CacheOnly(HookNames.MlpPost(0), HookNames.Embed));
        Assert.Null(output.Logits);
        Assert.Equal(new HashSet<string> { HookNames.Embed, HookNames.MlpPost(0) }, output.Cache.Names.ToHashSet());
        Assert.Equal([1, Tokens.Length, Model.Config.DMlp], output.Cache[HookNames.MlpPost(0)].Shape);
    }

    [Fact]
    public void Run_UnknownHook_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => Model.Run(Tokens, 1, RunOptions.CacheOnly("blocks.0.hook_resid_typo")));
        Assert.Contains("blocks.0.hook_resid_typo", error.Message);
    }

    [Fact]
    public void Run_BatchOfTwo_EqualsEachSequenceAlone()
    {
        int[] second = [50256, 464, 3290, 318, 257, 1332, 13, 198, 464, 2068, 7586, 21831];
        var both = Model.Run([.. Tokens, .. second], 2).Logits!;
        var alone = Model.Run(second, 1).Logits!;
        var size = alone.Length;
        TestData.AssertClose(alone.Data, both.Data.AsSpan(size, size), 1e-5, "second sequence in a batch");
    }

    [Fact]
    public void Run_TokenOutsideVocabulary_ThrowsNamingIdAndPosition()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Model.Run([50256, 50257], 1));
        Assert.Contains("50257", error.Message);
        Assert.Contains("position 1", error.Message);
    }

    [Fact]
    public void Run_SteadyState_AllocatesNothingBeyondOutputs()
    {
        var tokens = Tokens;
        var logits = new float[tokens.Length * Model.Config.Vocab];
        Model.Run(tokens, 1, RunOptions.Default, logits);   // warm-up: workspace and worker buffers

        Assert.Equal(0, SteadyStateAllocation(() => Model.Run(tokens, 1, RunOptions.Default, logits)));
    }

    [Fact]
    public void Run_SteadyStateWithAHook_AllocatesNothing()
    {
        var tokens = Tokens;
        var logits = new float[tokens.Length * Model.Config.Vocab];
        var seen = 0f;
        var options = new RunOptions { Hooks = new Dictionary<string, ActivationHook> { [HookNames.ResidPre(2)] = (_, _, values) => seen += values[0] } };
        Model.Run(tokens, 1, options, logits);

        Assert.Equal(0, SteadyStateAllocation(() => Model.Run(tokens, 1, options, logits)));
        Assert.NotEqual(0f, seen);
    }

    /// <summary>
    /// Bytes this thread allocates in one call of <paramref name="run"/>, the fewest of five calls. A per-call
    /// allocation shows in every call; one-off runtime work that can land in any call while other tests run
    /// beside this one (CI once saw 7,672 bytes in a single call) does not.
    /// </summary>
    private static long SteadyStateAllocation(Action run)
    {
        var fewest = long.MaxValue;
        for (var call = 0; call < 5; call++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            run();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
