using System.Text.Json.Nodes;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Circuits;

/// <summary>
/// Logit lens, "why this token" attribution and activation patching on the tiny GPT-2 of tiny_spec.json against an
/// independent PyTorch implementation (tests/reference/make_circuits_golden.py). Tolerance 1e-4.
/// </summary>
public class CircuitsGoldenTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const double Tolerance = 1e-4;

    private static readonly JsonObject Golden = (JsonObject)JsonNode.Parse(File.ReadAllText(global::FeatureAtlas.TestSupport.Golden.Path("circuits_golden.json")))!;

    private Gpt2Model Model { get; } = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);

    [Fact]
    public void LogitLens_TopTokensPerLayerAndPosition_MatchPyTorch()
    {
        var lens = LogitLens.Run(Model, fixture.Checkpoint.TokenIds, 5);
        var expected = Golden["lens"]!["layers"]!.AsArray();
        Assert.Equal(expected.Count, lens.Count);
        for (var l = 0; l < lens.Count; l++)
        {
            Assert.Equal(l, lens[l].Layer);
            var rows = expected[l]!["top"]!.AsArray();
            Assert.Equal(rows.Count, lens[l].Top.Length);
            for (var t = 0; t < rows.Count; t++)
            {
                var want = rows[t]!.AsArray();
                Assert.Equal(want.Select(e => (int)e!["token_id"]!), lens[l].Top[t].Select(e => e.TokenId));
                for (var i = 0; i < want.Count; i++) AssertClose((double)want[i]!["prob"]!, lens[l].Top[t][i].Prob, $"layer {l} position {t} #{i}");
            }
        }
    }

    [Fact]
    public void LogitLens_LastLayer_IsTheModelsOwnDistribution()
    {
        var tokens = fixture.Checkpoint.TokenIds;
        var lens = LogitLens.Run(Model, tokens, 3);
        var logits = Model.Run(tokens).Logits!.Data.AsSpan((tokens.Length - 1) * Model.Config.Vocab, Model.Config.Vocab).ToArray();
        var max = logits.Max();
        var sum = logits.Sum(x => Math.Exp(x - max));
        var order = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i).Take(3).ToArray();
        var last = lens[^1].Top[^1];
        Assert.Equal(order, last.Select(e => e.TokenId));
        for (var i = 0; i < 3; i++) AssertClose(Math.Exp(logits[order[i]] - max) / sum, last[i].Prob, "last layer");
    }

    [Fact]
    public void LogitAttribution_ComponentsFeaturesAndErrors_MatchPyTorch()
    {
        var golden = Golden["attribute"]!;
        var names = golden["features"]!.AsArray().Select(f => (string)f!["sae"]!).Distinct().ToArray();
        var saes = names.Select(n => SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory(n))).ToArray();
        var result = LogitAttribution.Explain(Model, saes, fixture.Checkpoint.TokenIds, (int)golden["target"]!, (int)golden["distractor"]!);

        AssertClose((double)golden["logit_diff"]!, result.LogitDiff, "logit_diff");
        AssertClose(result.LogitDiff, result.ComponentSum, "sum of direct components");
        var components = golden["components"]!.AsArray();
        Assert.Equal(components.Select(c => (string)c!["name"]!), result.Components.Select(c => c.Name));
        for (var i = 0; i < components.Count; i++)
        {
            AssertClose((double)components[i]!["value"]!, result.Components[i].Direct, $"{result.Components[i].Name} direct");
            AssertClose((double)components[i]!["act_times_grad"]!, result.Components[i].ActTimesGrad, $"{result.Components[i].Name} act_times_grad");
            if (components[i]!["by_source"] is JsonArray parts)
            {
                var got = result.Components[i].BySource!;
                Assert.Equal(parts.Count, got.Length);
                for (var s = 0; s < got.Length; s++) AssertClose((double)parts[s]!, got[s], $"{result.Components[i].Name} by_source[{s}]");
                AssertClose(result.Components[i].Direct, got.Sum(), $"{result.Components[i].Name}: by_source sums to direct");
            }
            else
            {
                Assert.Null(result.Components[i].BySource);
            }
        }
        Assert.Equal(Model.Config.Layers * Model.Config.Heads, result.Components.Count(x => x.BySource is not null));

        var features = golden["features"]!.AsArray();
        Assert.Equal(features.Select(f => $"{f!["sae"]}/{f["index"]}"), result.Features.Select(f => $"{f.Sae}/{f.Index}"));
        for (var i = 0; i < features.Count; i++)
        {
            var what = $"{result.Features[i].Sae} #{result.Features[i].Index}";
            AssertClose((double)features[i]!["activation"]!, result.Features[i].Activation, what + " activation");
            AssertClose((double)features[i]!["direct"]!, result.Features[i].Direct!.Value, what + " direct");
            AssertClose((double)features[i]!["act_times_grad"]!, result.Features[i].ActTimesGrad, what + " act_times_grad");
        }
        // Exact total effects by ablation: the 20 heads, MLPs and features with the largest |act × grad|.
        var measured = 0;
        for (var i = 0; i < components.Count; i++)
        {
            if (result.Components[i].Exact is not { } exact) continue;
            measured++;
            AssertClose((double)components[i]!["exact_total"]!, exact, $"{result.Components[i].Name} exact_total");
        }
        for (var i = 0; i < features.Count; i++)
        {
            if (result.Features[i].Exact is not { } exact) continue;
            measured++;
            AssertClose((double)features[i]!["exact_total"]!, exact, $"{result.Features[i].Sae} #{result.Features[i].Index} exact_total");
        }
        Assert.Equal(LogitAttribution.DefaultExactTop, measured);
        var smallestMeasured = result.Components.Where(x => x.Exact is not null).Select(x => Math.Abs(x.ActTimesGrad))
            .Concat(result.Features.Where(x => x.Exact is not null).Select(x => Math.Abs(x.ActTimesGrad))).Min();
        Assert.True(result.Features.Where(x => x.Exact is null).All(x => Math.Abs(x.ActTimesGrad) <= smallestMeasured));

        var errors = golden["sae_errors"]!.AsArray();
        Assert.Equal(errors.Count, result.SaeErrors.Count);
        for (var i = 0; i < errors.Count; i++)
        {
            AssertClose((double)errors[i]!["direct"]!, result.SaeErrors[i].Direct!.Value, $"{result.SaeErrors[i].Sae} error direct");
            AssertClose((double)errors[i]!["act_times_grad"]!, result.SaeErrors[i].ActTimesGrad, $"{result.SaeErrors[i].Sae} error act_times_grad");
        }
    }

    [Fact]
    public void LogitAttribution_TlProcessedModel_ComponentsStillSumToTheLogitDifference()
    {
        var model = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory, WeightProcessing.TransformerLens);
        var result = LogitAttribution.Explain(model, [], fixture.Checkpoint.TokenIds, 262, 13);
        AssertClose((double)Golden["attribute"]!["logit_diff"]!, result.LogitDiff, "logit_diff under TL processing");
        AssertClose(result.LogitDiff, result.ComponentSum, "sum of direct components under TL processing");
    }

    [Fact]
    public void ActivationPatching_Grids_MatchPyTorch()
    {
        var golden = Golden["patch"]!;
        int[] Ids(string key) => golden[key]!.AsArray().Select(x => (int)x!).ToArray();
        var result = ActivationPatching.Run(Model, Ids("clean_ids"), Ids("corrupted_ids"), (int)golden["target"]!, (int)golden["distractor"]!);
        AssertClose((double)golden["clean_metric"]!, result.CleanMetric, "clean_metric");
        AssertClose((double)golden["corrupted_metric"]!, result.CorruptedMetric, "corrupted_metric");
        foreach (var (key, grid) in new[] { ("resid_pre", result.ResidPre), ("attn_out", result.AttnOut), ("mlp_out", result.MlpOut), ("heads", result.Heads) })
        {
            var want = golden[key]!.AsArray();
            Assert.Equal(want.Count, grid.Length);
            for (var l = 0; l < grid.Length; l++)
            {
                var row = want[l]!.AsArray();
                Assert.Equal(row.Count, grid[l].Length);
                for (var i = 0; i < row.Count; i++) AssertClose((double)row[i]!, grid[l][i], $"{key}[{l}][{i}]");
            }
        }
    }

    [Fact]
    public void AttributionPatching_GridsAndCorrelationWithExact_MatchPyTorch()
    {
        var golden = Golden["patch"]!;
        int[] Ids(string key) => golden[key]!.AsArray().Select(x => (int)x!).ToArray();
        var (target, distractor) = ((int)golden["target"]!, (int)golden["distractor"]!);
        var estimate = ActivationPatching.Estimate(Model, Ids("clean_ids"), Ids("corrupted_ids"), target, distractor);
        var exact = ActivationPatching.Run(Model, Ids("clean_ids"), Ids("corrupted_ids"), target, distractor);
        AssertClose((double)golden["corrupted_metric"]!, estimate.CorruptedMetric, "corrupted_metric");
        foreach (var (key, grid, exactGrid) in new[] { ("resid_pre", estimate.ResidPre, exact.ResidPre), ("attn_out", estimate.AttnOut, exact.AttnOut),
            ("mlp_out", estimate.MlpOut, exact.MlpOut), ("heads", estimate.Heads, exact.Heads) })
        {
            var want = golden["attribution"]![key]!.AsArray();
            for (var l = 0; l < grid.Length; l++)
            {
                for (var i = 0; i < grid[l].Length; i++) AssertClose((double)want[l]![i]!, grid[l][i], $"attribution {key}[{l}][{i}]");
            }
            AssertClose((double)golden["correlation"]![key]!, ActivationPatching.Correlation(exactGrid, grid), $"correlation {key}");
        }
    }

    [Fact]
    public void ActivationPatching_TopFeaturesByAttribution_MatchPyTorch()
    {
        var golden = Golden["patch"]!;
        int[] Ids(string key) => golden[key]!.AsArray().Select(x => (int)x!).ToArray();
        var saes = golden["saes"]!.AsArray().Select(n => SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory((string)n!))).ToArray();
        var result = ActivationPatching.Run(Model, Ids("clean_ids"), Ids("corrupted_ids"), (int)golden["target"]!, (int)golden["distractor"]!, saes);
        var want = golden["features"]!.AsArray();
        Assert.Equal(PatchingWork.MaxFeatures, want.Count);
        Assert.Equal(want.Select(f => $"{f!["sae"]}/{f["index"]}"), result.Features.Select(f => $"{f.Sae}/{f.Index}"));
        for (var i = 0; i < want.Count; i++)
        {
            var what = $"{result.Features[i].Sae} #{result.Features[i].Index}";
            AssertClose((double)want[i]!["attribution"]!, result.Features[i].Attribution, what + " attribution");
            AssertClose((double)want[i]!["patched"]!, result.Features[i].Patched, what + " patched");
        }
        AssertClose((double)golden["heads"]![1]![2]!, result.Heads[1][2], "heads[1][2] with SAEs given");
    }

    [Fact]
    public void PatchingWork_RunInSlicesWithOddBatches_EqualsOneRun()
    {
        var golden = Golden["patch"]!;
        int[] Ids(string key) => golden[key]!.AsArray().Select(x => (int)x!).ToArray();
        var saes = new[] { SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory("hookz-1")) };
        var whole = PatchingWork.Prepare(Model, Ids("clean_ids"), Ids("corrupted_ids"), (int)golden["target"]!, (int)golden["distractor"]!, saes);
        var expected = new float[whole.CellCount];
        whole.BatchSize = 1;
        whole.RunCells(0, whole.CellCount, expected);

        var sliced = PatchingWork.Prepare(Model, Ids("clean_ids"), Ids("corrupted_ids"), (int)golden["target"]!, (int)golden["distractor"]!, saes);
        sliced.BatchSize = 7;
        var values = new float[sliced.CellCount];
        var reported = new List<int>();
        for (var start = 0; start < values.Length; start += 23) sliced.RunCells(start, Math.Min(23, values.Length - start), values, reported.Add);
        Assert.Equal(values.Length, reported[^1]);
        for (var i = 0; i < values.Length; i++) AssertClose(expected[i], values[i], $"cell {i}");
        Assert.Equal(whole.Assemble(expected).Features.Select(f => f.Index), sliced.Assemble(values).Features.Select(f => f.Index));
    }

    [Fact]
    public void ActivationPatching_UnequalLengths_NamesBothLengths()
    {
        var error = Assert.Throws<ArgumentException>(() => ActivationPatching.Run(Model, [50256, 1, 2], [50256, 1], 3, 4));
        Assert.Contains("3 tokens", error.Message);
        Assert.Contains("corrupted prompt 2", error.Message);
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= Tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: {actual}, expected {expected}.");
}
