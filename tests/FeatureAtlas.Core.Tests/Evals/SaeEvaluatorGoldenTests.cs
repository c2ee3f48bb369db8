using System.Text.Json.Nodes;
using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Evals;

/// <summary>The evaluator against PyTorch (tests/reference/make_eval_golden.py) on the tiny model and three of its SAEs.</summary>
public sealed class SaeEvaluatorGoldenTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private static readonly JsonObject Golden = (JsonObject)JsonNode.Parse(File.ReadAllText(global::FeatureAtlas.TestSupport.Golden.Path("eval_golden.json")))!;

    [Theory]
    [InlineData("standard-resid-pre-1")]
    [InlineData("topk-mlp-out-0")]
    [InlineData("jumprelu-resid-post-2")]
    public void Finish_TinyModel_MatchesPyTorch(string name)
    {
        var model = Gpt2Model.Load(fixture.Checkpoint.ModelDirectory);
        var sae = SparseAutoencoder.Load(fixture.Checkpoint.SaeDirectory(name));
        var windows = Golden["windows"]!.AsArray().Select(w => w!.AsArray().Select(t => (int)t!).ToArray()).ToArray();
        var evaluator = new SaeEvaluator(model, sae);
        evaluator.Add(windows.Take(4).SelectMany(w => w).ToArray(), 4);   // two batches: sums must carry across them
        evaluator.Add(windows.Skip(4).SelectMany(w => w).ToArray(), 2);
        var result = evaluator.Finish();

        var expected = Golden["saes"]![name]!;
        void Near(string key, double actual, double tolerance)
        {
            var value = (double)expected[key]!;
            Assert.True(Math.Abs(value - actual) <= tolerance * Math.Max(1, Math.Abs(value)), $"{name} {key}: PyTorch {value}, ours {actual}.");
        }
        Assert.Equal((long)expected["tokens"]!, result.Tokens);
        Near("l0", result.L0, 1e-9);
        Near("mse", result.Mse, 1e-5);
        Near("explained_variance", result.ExplainedVariance, 1e-5);
        Near("cossim", result.CosineSimilarity, 1e-4);
        Near("ce_clean", result.CeLossClean, 1e-5);
        Near("ce_sae", result.CeLossWithSae, 1e-5);
        Near("ce_ablation", result.CeLossZeroAblation, 1e-5);
        Near("ce_loss_recovered", result.CeLossRecovered, 1e-3);
        Assert.Equal((int)expected["dead"]!, result.DeadFeatures);
        Assert.Equal((int)expected["dense"]!, result.DenseFeatures);
        Assert.Equal(expected["histogram"]!.AsArray().Select(v => (int)v!), result.LogDensityHistogram);

        // SAEBench's core metrics.
        Near("kl_div_with_sae", result.KlDivWithSae!.Value, 1e-4);
        Near("kl_div_with_ablation", result.KlDivWithAblation!.Value, 1e-4);
        Near("kl_div_score", result.KlDivScore!.Value, 1e-3);
        Near("l1", result.L1!.Value, 1e-5);
        Near("l2_norm_in", result.L2NormIn!.Value, 1e-5);
        Near("l2_norm_out", result.L2NormOut!.Value, 1e-5);
        Near("l2_ratio", result.L2Ratio!.Value, 1e-5);
        Near("relative_reconstruction_bias", result.RelativeReconstructionBias!.Value, 1e-3);
        Near("frac_alive", result.FracAlive!.Value, 1e-12);
        Near("freq_over_1_percent", result.FreqOver1Percent!.Value, 1e-12);
        Near("freq_over_10_percent", result.FreqOver10Percent!.Value, 1e-12);
    }
}
