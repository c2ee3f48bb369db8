using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Search;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Search;

/// <summary>
/// FeatureSearch against a brute-force twin: every SAE's full [T, S] activations from
/// <see cref="InferenceSession.Run"/> (cached hooks, SparseAutoencoder.Encode), every feature's key computed,
/// filtered and stably sorted, as Neuronpedia's search-all does over the concatenated sources.
/// The tiny model's SAEs cover all four architectures on layers 0-2.
/// </summary>
public class FeatureSearchTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const int Bos = FeatureSearch.BosToken;

    private InferenceSession Session => _session ??= InferenceSession.Load(
        fixture.Checkpoint.ModelDirectory,
        fixture.Checkpoint.SaeNames.Where(n => n != "standard-centered-resid-pre-2").Select(fixture.Checkpoint.SaeDirectory).ToList());

    private InferenceSession? _session;

    private int[] Tokens => fixture.Checkpoint.TokenIds;   // BOS first

    public static TheoryData<bool, int[]> RankingCases() => new()
    {
        { true, [] },
        { false, [] },
        { true, [0, 3, 3, 7] },     // BOS ignored in the sum; a repeated position counts twice
        { false, [0, 11] },
        { true, [5] },
    };

    [Theory]
    [MemberData(nameof(RankingCases))]
    public void Search_AnyKeyAndBos_EqualsBruteForceStableSort(bool ignoreBos, int[] sortIndexes)
    {
        var options = new FeatureSearchOptions { IgnoreBos = ignoreBos, SortIndexes = sortIndexes, NumResults = 100 };

        var actual = new FeatureSearch(Session).Search(Tokens, options);

        AssertSame(Reference(options), actual);
        Assert.Equal(100, actual.Count);   // 9 SAEs × 200 features: the cap, not the positives, limits the page
    }

    [Fact]
    public void Search_IgnoreBos_ZeroesPositionZeroAndNeverPicksIt()
    {
        var actual = new FeatureSearch(Session).Search(Tokens, new FeatureSearchOptions { NumResults = 100 });

        Assert.All(actual, m => Assert.Equal(0f, m.Values[0]));
        Assert.All(actual, m => Assert.NotEqual(0, m.MaxValueIndex));
        Assert.All(actual, m => Assert.Equal(m.Values.Max(), m.MaxValue));
    }

    [Fact]
    public void Search_IgnoreBosWithoutLeadingBos_KeepsPositionZero()
    {
        int[] tokens = [.. Tokens[1..]];
        var options = new FeatureSearchOptions { IgnoreBos = true, NumResults = 30 };

        var actual = new FeatureSearch(Session).Search(tokens, options);

        AssertSame(Reference(options, tokens), actual);
    }

    [Fact]
    public void Search_DensityThreshold_DropsDenserFeaturesBeforeSelecting()
    {
        var random = new Random(7);
        var frac = Session.Saes.ToDictionary(s => s.Name, s => Enumerable.Range(0, s.DSae).Select(_ => (float)random.NextDouble()).ToArray());
        frac.Remove("gated-resid-mid-1");   // an SAE without densities is not filtered
        var options = new FeatureSearchOptions { DensityThreshold = 0.3f, FracNonzero = frac, NumResults = 100 };

        var actual = new FeatureSearch(Session).Search(Tokens, options);

        AssertSame(Reference(options), actual);
        Assert.All(actual, m => Assert.True(!frac.TryGetValue(m.Sae, out var f) || f[m.Feature] <= 0.3f));
        Assert.Equal(100, actual.Count);
    }

    [Fact]
    public void Search_FewerPositiveFeaturesThanAsked_ReturnsOnlyPositives()
    {
        // TopK with k = 8: at most 8 features per token fire, so far fewer than 100 have a positive maximum.
        var options = new FeatureSearchOptions { Saes = ["topk-mlp-out-0"], NumResults = 100 };

        var actual = new FeatureSearch(Session).Search(Tokens, options);

        AssertSame(Reference(options), actual);
        Assert.InRange(actual.Count, 1, 99);
        Assert.All(actual, m => Assert.True(m.MaxValue > 0f));
    }

    [Fact]
    public void Search_SumMode_DropsFeaturesWhoseSumIsNotPositive()
    {
        var options = new FeatureSearchOptions { Saes = ["topk-mlp-out-0"], SortIndexes = [4], NumResults = 100 };

        var actual = new FeatureSearch(Session).Search(Tokens, options);

        AssertSame(Reference(options), actual);
        Assert.InRange(actual.Count, 1, 8);   // k = 8 features fire at one position
        Assert.All(actual, m => Assert.Equal(m.Values[4], m.SumValue));
    }

    [Fact]
    public void Search_LayerFilterAndNumResults_SearchOnlyThoseLayers()
    {
        var options = new FeatureSearchOptions { Layers = [1], NumResults = 7 };

        var actual = new FeatureSearch(Session).Search(Tokens, options);

        AssertSame(Reference(options), actual);
        Assert.Equal(7, actual.Count);
        Assert.All(actual, m => Assert.Equal(1, m.Layer));
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 2, 9 })]
    public void Search_TiedKeysAcrossSaes_RankBySessionOrderThenFeature(int[] sortIndexes)
    {
        // The same SAE twice under two names: every feature ties with its twin, so the order among equal keys
        // (Neuronpedia's stable sort: source order, then feature index) decides every other rank.
        using var temp = new TemporaryDirectory();
        var original = fixture.Checkpoint.SaeDirectory("standard-resid-pre-1");
        var twin = temp.CopyFolder(original, "a-twin");
        var session = InferenceSession.Load(fixture.Checkpoint.ModelDirectory, [original, twin]);
        var options = new FeatureSearchOptions { SortIndexes = sortIndexes, NumResults = 40 };

        var actual = new FeatureSearch(session).Search(Tokens, options);

        Assert.Equal(40, actual.Count);
        for (var k = 0; k < actual.Count; k += 2)
        {
            Assert.Equal(("standard-resid-pre-1", "a-twin"), (actual[k].Sae, actual[k + 1].Sae));
            Assert.Equal(actual[k].Feature, actual[k + 1].Feature);
        }
        var keys = actual.Select(m => sortIndexes.Length > 0 ? m.SumValue : m.MaxValue).ToArray();
        Assert.Equal(keys.OrderByDescending(v => v), keys);
    }

    [Fact]
    public void Search_BadRequest_ThrowsNamingTheProblem()
    {
        var search = new FeatureSearch(Session);

        Assert.Throws<ArgumentOutOfRangeException>(() => search.Search(Tokens, new FeatureSearchOptions { NumResults = 101 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => search.Search(Tokens, new FeatureSearchOptions { NumResults = 0 }));
        var sort = Assert.Throws<ArgumentOutOfRangeException>(() => search.Search(Tokens, new FeatureSearchOptions { SortIndexes = [12] }));
        Assert.Contains("Sort index 12", sort.Message);
        var unknown = Assert.Throws<ArgumentException>(() => search.Search(Tokens, new FeatureSearchOptions { Saes = ["nope"] }));
        Assert.Contains("'nope'", unknown.Message);
    }

    [Fact]
    public async Task SearchAsync_ConcurrentRequests_EachGetsItsOwnAnswer()
    {
        var search = new FeatureSearch(Session);
        FeatureSearchOptions[] requests =
        [
            new() { NumResults = 20 },
            new() { SortIndexes = [2, 3], NumResults = 20 },
            new() { Layers = [0], NumResults = 20 },
            new() { Saes = ["hookz-1"], IgnoreBos = false, NumResults = 20 },
        ];

        var answers = await Task.WhenAll(requests.Concat(requests).Select(o => Task.Run(() => search.SearchAsync(Tokens, o))));

        for (var i = 0; i < answers.Length; i++) AssertSame(Reference(requests[i % requests.Length]), answers[i]);
    }

    [Theory]
    [InlineData("standard-resid-pre-1")]
    [InlineData("jumprelu-resid-post-2")]
    [InlineData("topk-mlp-out-0")]
    [InlineData("topk-rescaled-attn-out-1")]
    [InlineData("gated-resid-mid-1")]
    [InlineData("layernorm-resid-pre-2")]
    [InlineData("constnorm-attn-out-0")]
    [InlineData("hookz-1")]
    [InlineData("mlp-post-0")]
    public void Activations_EveryArchitecture_EqualsTheFullEncodeColumnExactly(string sae)
    {
        var full = Session.Run(Tokens, logits: false).Features[sae];
        var search = new FeatureSearch(Session);
        var t = Tokens.Length;
        // The feature that fires most, plus the first and last index.
        var strongest = Enumerable.Range(0, full.Shape[1]).MaxBy(i => Enumerable.Range(0, t).Max(r => full.Data[r * full.Shape[1] + i]));

        foreach (var feature in new[] { 0, strongest, full.Shape[1] - 1 })
        {
            var expected = Enumerable.Range(0, t).Select(r => full.Data[r * full.Shape[1] + feature]).ToArray();

            var actual = search.Activations(Tokens, sae, feature);

            Assert.Equal(expected, actual.Values);
            Assert.Equal(expected.Max(), actual.MaxValue);
            Assert.Equal(Array.IndexOf(expected, expected.Max()), actual.MaxValueIndex);
            Assert.Equal(expected.Min(), actual.MinValue);
        }
        Assert.True(Enumerable.Range(0, t).Any(r => full.Data[r * full.Shape[1] + strongest] > 0f), "no feature fires; the check would be vacuous");
    }

    [Fact]
    public void Activations_IgnoreBos_LeavesPositionZeroOutOfTheExtremes()
    {
        var search = new FeatureSearch(Session);
        var feature = Enumerable.Range(0, 200).First(i => search.Activations(Tokens, "standard-resid-pre-1", i).Values[0] > 0f);

        var kept = search.Activations(Tokens, "standard-resid-pre-1", feature);
        var ignored = search.Activations(Tokens, "standard-resid-pre-1", feature, ignoreBos: true);

        Assert.Equal(kept.Values, ignored.Values);
        var rest = kept.Values[1..];
        Assert.Equal(rest.Max(), ignored.MaxValue);
        Assert.Equal(1 + Array.IndexOf(rest, rest.Max()), ignored.MaxValueIndex);
        Assert.Equal(rest.Min(), ignored.MinValue);
    }

    [Theory]
    [InlineData("standard-resid-pre-1", true, 0.4f, 5)]
    [InlineData("standard-resid-pre-1", false, -1f, 20)]
    [InlineData("topk-mlp-out-0", true, 0.01f, 10)]
    [InlineData("gated-resid-mid-1", false, 0.6f, 3)]
    public void TopFeaturesByToken_EqualsBruteForcePerPosition(string sae, bool ignoreBos, float threshold, int numResults)
    {
        var random = new Random(3);
        var frac = Enumerable.Range(0, 200).Select(_ => (float)random.NextDouble()).ToArray();
        var full = Session.Run(Tokens, logits: false).Features[sae];
        var s = full.Shape[1];
        var options = new TopFeaturesByTokenOptions { IgnoreBos = ignoreBos, DensityThreshold = threshold, FracNonzero = frac, NumResults = numResults };

        var actual = new FeatureSearch(Session).TopFeaturesByToken(Tokens, sae, options);

        var positions = Enumerable.Range(0, Tokens.Length).Where(r => !(ignoreBos && Tokens[r] == Bos)).ToArray();
        Assert.Equal(positions, actual.Select(p => p.Position));
        foreach (var position in actual)
        {
            var expected = Enumerable.Range(0, s)
                .Where(i => full.Data[position.Position * s + i] > 0f && (threshold < 0f || frac[i] <= threshold))
                .Select(i => new TopFeature(i, full.Data[position.Position * s + i]))
                .OrderByDescending(f => f.Value).ThenBy(f => f.Feature)
                .Take(numResults).ToArray();
            Assert.Equal(expected, position.Features);
            Assert.Equal(Tokens[position.Position], position.Token);
            Assert.Equal(Tokens[position.Position] == Bos, position.IsSpecial);
        }
        Assert.Contains(actual, p => p.Features.Count > 0);
    }

    /// <summary>The brute-force twin of search-all.</summary>
    private List<FeatureMatch> Reference(FeatureSearchOptions options, int[]? tokens = null)
    {
        tokens ??= Tokens;
        var run = Session.Run(tokens, logits: false);
        var t = tokens.Length;
        var skipBos = options.IgnoreBos && tokens[0] == Bos;
        var rows = new List<(FeatureMatch Match, float Key, int Order)>();
        for (var order = 0; order < Session.Saes.Count; order++)
        {
            var sae = Session.Saes[order];
            var layer = int.Parse(sae.HookName.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture);
            if (options.Saes.Count > 0 && !options.Saes.Contains(sae.Name)) continue;
            if (options.Layers.Count > 0 && !options.Layers.Contains(layer)) continue;
            var f = run.Features[sae.Name].Data;
            for (var i = 0; i < sae.DSae; i++)
            {
                if (options.DensityThreshold >= 0 && options.FracNonzero?.GetValueOrDefault(sae.Name) is { } frac && frac[i] > options.DensityThreshold) continue;
                var values = Enumerable.Range(0, t).Select(r => r == 0 && skipBos ? 0f : f[r * sae.DSae + i]).ToArray();
                var max = values.Max();
                var sum = 0f;
                foreach (var r in options.SortIndexes) sum += values[r];
                var key = options.SortIndexes.Count > 0 ? sum : max;
                if (!(key > 0f)) continue;
                var match = new FeatureMatch(sae.Name, layer, i, values, max, Array.IndexOf(values, max), options.SortIndexes.Count > 0 ? sum : 0f);
                rows.Add((match, key, order));
            }
        }
        return rows.OrderByDescending(r => r.Key).ThenBy(r => r.Order).ThenBy(r => r.Match.Feature)
            .Take(options.NumResults).Select(r => r.Match).ToList();
    }

    private static void AssertSame(IReadOnlyList<FeatureMatch> expected, IReadOnlyList<FeatureMatch> actual)
    {
        Assert.True(expected.Count == actual.Count, $"{actual.Count} results, expected {expected.Count}.");
        for (var k = 0; k < expected.Count; k++)
        {
            var (e, a) = (expected[k], actual[k]);
            Assert.True((e.Sae, e.Feature) == (a.Sae, a.Feature), $"rank {k}: {a.Sae}/{a.Feature}, expected {e.Sae}/{e.Feature}.");
            Assert.Equal(e.Layer, a.Layer);
            Assert.Equal(e.Values, a.Values);
            Assert.Equal(e.MaxValue, a.MaxValue);
            Assert.Equal(e.MaxValueIndex, a.MaxValueIndex);
            Assert.Equal(e.SumValue, a.SumValue);
        }
    }

    [Theory]
    [InlineData("standard-resid-pre-1", "blocks.1.hook_resid_pre")]
    [InlineData("topk-mlp-out-0", "blocks.0.hook_mlp_out")]
    [InlineData("hookz-1", "blocks.1.attn.hook_z")]
    public void EverySearch_ModelThatOverflows_ThrowsNamingTheSaesHook(string sae, string hook)
    {
        using var temp = new TemporaryDirectory();
        var model = OverflowingModel.Write(fixture.Checkpoint.ModelDirectory, temp.Combine("overflowing"));
        var search = new FeatureSearch(InferenceSession.Load(model, [fixture.Checkpoint.SaeDirectory(sae)]));

        var errors = new[]
        {
            Assert.Throws<Core.Tensors.NonFiniteValuesException>(() => search.Search(Tokens, new FeatureSearchOptions { NumResults = 10 })),
            Assert.Throws<Core.Tensors.NonFiniteValuesException>(() => search.TopFeaturesByToken(Tokens, sae, new TopFeaturesByTokenOptions { NumResults = 5 })),
            Assert.Throws<Core.Tensors.NonFiniteValuesException>(() => search.Activations(Tokens, sae, 0)),
        };

        foreach (var error in errors)
        {
            Assert.Equal(hook, error.Tensor);
            Assert.StartsWith($"Non-finite activations: {hook} is ", error.Message);
        }
    }
}
