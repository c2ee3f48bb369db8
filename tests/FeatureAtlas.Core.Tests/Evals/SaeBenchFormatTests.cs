using System.Text.Json.Nodes;
using FeatureAtlas.Core.Evals;

namespace FeatureAtlas.Core.Tests.Evals;

public sealed class SaeBenchFormatTests
{
    private static readonly SaeEvalResult Result = new()
    {
        Tokens = 2048, L0 = 41.5, Mse = 0.25, ExplainedVariance = 0.875, CosineSimilarity = 0.9375, CeLossClean = 3.25, CeLossWithSae = 3.5,
        CeLossZeroAblation = 7.25, CeLossRecovered = 0.9375, DeadFeatures = 3, DenseFeatures = 5, DSae = 64, LogDensityHistogram = [1, 2],
        KlDivWithSae = 0.125, KlDivWithAblation = 4.0, KlDivScore = 0.96875, L1 = 80.5, L2NormIn = 12.0, L2NormOut = 11.0, L2Ratio = 0.9,
        RelativeReconstructionBias = 0.97, FracAlive = 61 / 64.0, FreqOver1Percent = 0.5, FreqOver10Percent = 5 / 64.0,
    };

    [Fact]
    public void Write_CoreResult_UsesSaeBenchGroupsAndNames()
    {
        var file = SaeBenchFormat.Write(Result, "gpt2", "res-jb-8", "blocks.8.hook_resid_pre", "moby", 128, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), [0.5, 0]);

        Assert.Equal("core", (string)file["eval_type_id"]!);
        Assert.Equal(1_700_000_000_000, (long)file["datetime_epoch_millis"]!);
        var m = file["eval_result_metrics"]!;
        Assert.Equal(0.96875, (double)m["model_behavior_preservation"]!["kl_div_score"]!);
        Assert.Equal(0.9375, (double)m["model_performance_preservation"]!["ce_loss_score"]!);
        Assert.Equal(3.25, (double)m["model_performance_preservation"]!["ce_loss_without_sae"]!);
        Assert.Equal(0.875, (double)m["reconstruction_quality"]!["explained_variance"]!);
        Assert.Equal(0.9, (double)m["shrinkage"]!["l2_ratio"]!);
        Assert.Equal(0.97, (double)m["shrinkage"]!["relative_reconstruction_bias"]!);
        Assert.Equal(41.5, (double)m["sparsity"]!["l0"]!);
        Assert.Equal(80.5, (double)m["sparsity"]!["l1"]!);
        Assert.Equal(61 / 64.0, (double)m["misc_metrics"]!["frac_alive"]!);
        Assert.Equal(2048, (long)m["token_stats"]!["total_tokens_eval_reconstruction"]!);
        Assert.Equal(0.5, (double)file["eval_result_details"]![0]!["feature_density"]!);
    }

    [Fact]
    public void Read_WrittenFile_RestoresEveryMetricSaeBenchCarries()
    {
        var file = JsonNode.Parse(SaeBenchFormat.Write(Result, "gpt2", "s", "blocks.8.hook_resid_pre", "moby", 128, DateTimeOffset.UnixEpoch).ToJsonString())!;

        var read = SaeBenchFormat.Read(file, "result.json");

        Assert.Equal(Result with { LogDensityHistogram = [] }, read with { LogDensityHistogram = [] });
    }

    [Fact]
    public void Read_SaeBenchFileWithoutOptionalGroups_LeavesThemNull()
    {
        // A core result as SAEBench writes it, trimmed to what an older version had.
        var file = JsonNode.Parse("""
            {"eval_type_id": "core", "eval_config": {"model_name": "pythia-70m-deduped"}, "eval_id": "x", "datetime_epoch_millis": 1,
             "eval_result_metrics": {
               "model_performance_preservation": {"ce_loss_score": 0.998, "ce_loss_with_ablation": 10.0, "ce_loss_with_sae": 3.01, "ce_loss_without_sae": 3.0},
               "reconstruction_quality": {"explained_variance": 0.986, "mse": 0.01, "cossim": 0.99},
               "sparsity": {"l0": 40.0, "l1": 200.0}},
             "eval_result_details": [], "sae_cfg_dict": {"d_sae": 4096}}
            """)!;

        var read = SaeBenchFormat.Read(file, "core.json");

        Assert.Equal((0.998, 0.986, 40.0, 4096), (read.CeLossRecovered, read.ExplainedVariance, read.L0, read.DSae));
        Assert.Null(read.KlDivScore);
        Assert.Null(read.FracAlive);
    }

    [Theory]
    [InlineData("""{"eval_type_id": "sparse_probing", "eval_result_metrics": {}}""", "eval_type_id")]
    [InlineData("""{"eval_type_id": "core"}""", "eval_result_metrics is missing")]
    [InlineData("""{"eval_type_id": "core", "eval_result_metrics": {"sparsity": {"l0": "many"}}}""", "sparsity.l0")]
    public void Read_NotACoreResult_NamesFileAndField(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => SaeBenchFormat.Read(JsonNode.Parse(json)!, "f.json"));

        Assert.Contains("f.json", error.Message);
        Assert.Contains(expected, error.Message);
    }
}
