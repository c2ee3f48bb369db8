using System.Text.Json.Nodes;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Dashboards;

/// <summary>
/// Dashboards against tests/reference/make_dashboard_golden.py, which derives every number by brute force from
/// all activations in memory. On the reference's own activations the streaming accumulator must match exactly;
/// end to end on the tiny model (this engine's float32 activations) it must match everywhere a decision is not
/// within 1e-4 of flipping (the reference lists those parts per feature as "fragile").
/// </summary>
public class DashboardGoldenTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const int Length = 16;
    private static readonly Lazy<JsonObject> GoldenJson = new(() => (JsonObject)JsonNode.Parse(File.ReadAllText(Golden.Path("dashboard_golden.json")))!);
    private static readonly Lazy<int[][]> WindowList = new(() =>
        JsonNode.Parse(File.ReadAllText(Golden.Path("dashboard_windows.json")))!["windows"]!.AsArray().Select(w => w!.AsArray().Select(t => (int)t!).ToArray()).ToArray());

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var set in new[] { "default", "small" })
        {
            foreach (var sae in new[] { "standard-resid-pre-1", "topk-mlp-out-0", "mlp-post-0", "hookz-1" }) data.Add(set, sae);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Accumulator_OnReferenceActivations_MatchesBruteForceExactly(string optionSet, string saeName)
    {
        var (options, golden) = Load(optionSet, saeName);
        using var file = SafetensorsFile.Open(Golden.Path("dashboard_acts.safetensors"));
        var acts = file.ReadFloat32($"acts/{saeName}");
        var features = acts.Length / (WindowList.Value.Length * Length);
        var accumulator = new FeatureAccumulator(features, options);
        // Batches of 5 windows, last batch first: the result must not depend on batching or order.
        foreach (var batch in Enumerable.Range(0, WindowList.Value.Length).Chunk(5).Reverse())
        {
            var batchActs = batch.SelectMany(w => acts.AsSpan(w * Length * features, Length * features).ToArray()).ToArray();
            accumulator.Add(batchActs, batch.SelectMany(w => WindowList.Value[w]).ToArray(), batch, Length);
        }

        var built = accumulator.Build();
        foreach (var expected in golden["features"]!.AsArray())
        {
            var f = (int)expected!["f"]!;
            CompareFeature(expected.AsObject(), built[f], acts, features, (long)golden["N"]!, options, fragile: [], exactValues: true, $"{optionSet}/{saeName} feature {f}");
        }
        var (density, dead) = accumulator.DensitySummary();
        Assert.Equal((int)golden["dead"]!, dead);
        var log = golden["log_density"]!;
        Assert.Equal(log["heights"]!.AsArray().Select(h => (long)h!), density.BarHeights);
        Assert.Equal((double)log["min"]!, density.BarValues[0] - (density.BarValues[1] - density.BarValues[0]) / 2, 1e-12);
    }

    [Fact]
    public void Builder_ModelThatOverflows_StopsNamingTheHookInsteadOfStoringInfinity()
    {
        using var temp = new TemporaryDirectory();
        var model = Gpt2Model.Load(OverflowingModel.Write(fixture.Checkpoint.ModelDirectory, temp.Combine("overflowing")));
        var (options, _) = Load("default", "standard-resid-pre-1");
        var builder = new DashboardBuilder(model, [SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory("standard-resid-pre-1"))], options);
        var windows = WindowList.Value;

        var error = Assert.Throws<Core.Tensors.NonFiniteValuesException>(() => builder.Add(windows.SelectMany(w => w).ToArray(), Enumerable.Range(0, windows.Length).ToArray(), Length));

        Assert.Equal("blocks.1.hook_resid_pre", error.Tensor);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Builder_TinyModelEndToEnd_MatchesBruteForceOutsideFragileDecisions(bool resetAfterOtherWindows)
    {
        var (options, _) = Load("default", "standard-resid-pre-1");
        var names = new[] { "standard-resid-pre-1", "topk-mlp-out-0", "mlp-post-0", "hookz-1" };
        var model = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);   // all four read the unprocessed model
        var builder = new DashboardBuilder(model, names.Select(n => SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory(n))).ToArray(), options);
        var windows = WindowList.Value;
        if (resetAfterOtherWindows)
        {
            // A worker's builder after another shard: what it saw must leave no trace once reset.
            builder.Add(windows.Take(6).Reverse().SelectMany(w => w).ToArray(), Enumerable.Range(100, 6).ToArray(), Length);
            builder.Reset();
        }
        builder.Add(windows.SelectMany(w => w).ToArray(), Enumerable.Range(0, windows.Length).ToArray(), Length);
        var results = builder.Build();

        using var file = SafetensorsFile.Open(Golden.Path("dashboard_acts.safetensors"));
        for (var s = 0; s < names.Length; s++)
        {
            var golden = Load("default", names[s]).Sae;
            var acts = file.ReadFloat32($"acts/{names[s]}");
            var features = results[s].Features;
            foreach (var expected in golden["features"]!.AsArray())
            {
                var f = (int)expected!["f"]!;
                var fragile = expected["fragile"]!.AsArray().Select(p => (string)p!).ToHashSet();
                CompareFeature(expected.AsObject(), features[f], acts, features.Count, (long)golden["N"]!, options, fragile, exactValues: false, $"end-to-end {names[s]} feature {f}");
            }
            foreach (var expected in golden["logits"]!.AsArray())
            {
                var f = (int)expected!["f"]!;
                var table = features[f].Logits!;
                var where = $"{names[s]} feature {f} logits";
                var positive = expected["pos_values"]!.AsArray().Select(v => (float)(double)v!).ToArray();
                var negative = expected["neg_values"]!.AsArray().Select(v => (float)(double)v!).ToArray();
                TestData.AssertClose(positive, table.PositiveValues, 1e-4, where + " (positive)");
                TestData.AssertClose(negative, table.NegativeValues, 1e-4, where + " (negative)");
                if (expected["fragile"]!.AsArray().Count == 0)
                {
                    Assert.Equal(expected["pos_ids"]!.AsArray().Select(i => (int)i!), table.PositiveTokens);
                    Assert.Equal(expected["neg_ids"]!.AsArray().Select(i => (int)i!), table.NegativeTokens);
                }
            }
        }
    }

    /// <summary>
    /// Indices, order and counts must match wherever not fragile; values exactly when the activations are the
    /// reference's own (<paramref name="exactValues"/>), else within 1e-4.
    /// </summary>
    private static void CompareFeature(JsonObject expected, FeatureDashboard actual, float[] acts, int features, long n, DashboardOptions options,
        HashSet<string> fragile, bool exactValues, string where)
    {
        var f = actual.Index;
        var exact = exactValues;
        float Act(int w, int t) => acts[(w * Length + t) * features + f];
        if (!fragile.Contains("count"))
        {
            Assert.True((long)expected["count"]! == actual.NonzeroCount, $"{where}: count {actual.NonzeroCount}, expected {expected["count"]}.");
            Assert.Equal((double)expected["frac_nonzero"]!, actual.FracNonzero);
        }
        AssertValue((double)expected["max"]!, actual.MaxActivation, exact, where + " max");
        if (!fragile.Contains("count")) AssertValue((double)expected["min"]!, actual.MinNonzeroActivation, exact, where + " min");
        if (!fragile.Contains("histogram") && !fragile.Contains("count") && !fragile.Contains("T"))
        {
            Assert.True(expected["hist"]!.AsArray().Select(h => (long)h!).SequenceEqual(actual.ActivationHistogram.BarHeights), $"{where}: histogram heights differ.");
        }
        if (!fragile.Contains("top"))
        {
            var top = expected["top"]!.AsArray().Select(p => ((int)p![0]!, (int)p[1]!)).ToArray();
            Assert.True(top.SequenceEqual(actual.Top.Select(e => (e.Window, e.Position))), $"{where}: top examples [{string.Join(" ", actual.Top.Select(e => $"({e.Window},{e.Position})"))}], expected [{string.Join(" ", top)}].");
            foreach (var example in actual.Top) AssertExample(example, Act, where, exact);
        }
        if (!fragile.Contains("intervals") && !fragile.Contains("count") && !fragile.Contains("T"))
        {
            var intervals = expected["intervals"]!.AsArray();
            Assert.Equal(intervals.Select(i => (int)i!["i"]!), actual.Intervals.Select(g => g.Interval));
            foreach (var (group, actualGroup) in intervals.Zip(actual.Intervals))
            {
                var examples = group!["examples"]!.AsArray().Select(p => ((int)p![0]!, (int)p[1]!)).ToArray();
                Assert.True(examples.SequenceEqual(actualGroup.Examples.Select(e => (e.Window, e.Position))), $"{where}: interval {actualGroup.Interval} examples differ.");
                foreach (var example in actualGroup.Examples) AssertExample(example, Act, where, exact);
                if (!fragile.Contains("contains")) Assert.Equal((long)group["contained"]! / (double)n, actualGroup.ContainsFraction);
                var i = actualGroup.Interval;
                AssertValue((float)(actual.MaxActivation * (double)i / options.Intervals), actualGroup.Low, exact: true, where + " interval low");
                AssertValue((float)(actual.MaxActivation * (double)(i + 1) / options.Intervals), actualGroup.High, exact: true, where + " interval high");
            }
        }
    }

    private static void AssertExample(ActivationExample example, Func<int, int, float> act, string where, bool exact)
    {
        AssertValue(act(example.Window, example.Position), example.Value, exact, where + " example value");
        Assert.Equal(Enumerable.Range(0, Length).Where(t => act(example.Window, t) != 0).ToArray(), example.Positions);
        for (var i = 0; i < example.Positions.Length; i++) AssertValue(act(example.Window, example.Positions[i]), example.Values[i], exact, where + " window activation");
    }

    private static void AssertValue(double expected, double actual, bool exact, string where)
    {
        if (exact) Assert.True(expected == actual, $"{where}: {actual}, expected exactly {expected}.");
        else Assert.True(Math.Abs(expected - actual) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{where}: {actual}, expected {expected} ± 1e-4.");
    }

    private static (DashboardOptions Options, JsonObject Sae) Load(string optionSet, string saeName)
    {
        var set = GoldenJson.Value["option_sets"]!.AsArray().Single(s => (string)s!["name"]! == optionSet)!;
        var o = set["options"]!;
        var options = new DashboardOptions
        {
            TopExamples = (int)o["top"]!, Intervals = (int)o["intervals"]!, ExamplesPerInterval = (int)o["per_interval"]!,
            HistogramBins = (int)o["bins"]!, Logits = (int)o["logits"]!, Seed = (ulong)(long)o["seed"]!,
        };
        return (options, set["saes"]!.AsArray().Single(s => (string)s!["name"]! == saeName)!.AsObject());
    }
}
