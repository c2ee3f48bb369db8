using FeatureAtlas.Cli.Commands;
using FeatureAtlas.Data;
using FeatureAtlas.TestSupport;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary><c>atlas eval import</c>: a SAEBench core result file stored as an SAE's evaluation; bad files refused, naming the field, with nothing stored.</summary>
[Collection(CliCollection.Name)]
public sealed class EvalImportCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "atlas-eval-import-" + Guid.NewGuid().ToString("N"));

    public EvalImportCommandTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // The layout SAEBench's core eval writes (sae_bench/evals/core/eval_output.py), numbers as in one of its files.
    private const string SaeBenchFile = """
        {
          "eval_type_id": "core",
          "eval_config": { "model_name": "gpt2", "dataset": "Skylion007/openwebtext", "context_size": 128, "compute_kl": true },
          "eval_id": "6f1b0a8e-1c9f-4f0c-9a56-0c1f7e0d9a11",
          "datetime_epoch_millis": 1733140800000,
          "eval_result_metrics": {
            "model_behavior_preservation": { "kl_div_score": 0.9841, "kl_div_with_ablation": 10.06, "kl_div_with_sae": 0.16 },
            "model_performance_preservation": { "ce_loss_score": 0.9823, "ce_loss_with_ablation": 12.45, "ce_loss_with_sae": 3.34, "ce_loss_without_sae": 3.17 },
            "reconstruction_quality": { "explained_variance": 0.8115, "mse": 1.62, "cossim": 0.9395 },
            "shrinkage": { "l2_norm_in": 93.0, "l2_norm_out": 86.5, "l2_ratio": 0.9301, "relative_reconstruction_bias": 0.9902 },
            "sparsity": { "l0": 66.87, "l1": 402.5 },
            "token_stats": { "total_tokens_eval_reconstruction": 409600, "total_tokens_eval_sparsity_variance": 4096000 },
            "misc_metrics": { "freq_over_1_percent": 0.0425, "freq_over_10_percent": 0.00390625, "frac_alive": 0.9375 }
          },
          "eval_result_details": [],
          "sae_lens_id": "blocks.8.hook_resid_pre",
          "sae_lens_release_id": "gpt2-small-res-jb",
          "sae_cfg_dict": { "d_sae": 64, "hook_name": "blocks.8.hook_resid_pre", "model_name": "gpt2" }
        }
        """;

    private async Task<string> DatabaseAsync()
    {
        var db = Path.Combine(_folder, "atlas.db");
        var store = await AtlasDatabase.OpenAsync(db, CancellationToken.None);
        await Seed.AddAsync(store, dSae: 64);
        return db;
    }

    private string File(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Import_SaeBenchCoreFile_StoresTheMetricsMarkedImported()
    {
        var db = await DatabaseAsync();
        var file = File("res8_eval_results.json", SaeBenchFile);

        var result = CliRunner.Run("eval", "import", "--model", Seed.Model, "--sae", Seed.Sae, file, "--db", db);

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("Imported res8_eval_results.json", result.StandardOutput);
        var store = await AtlasDatabase.OpenAsync(db, CancellationToken.None);
        var eval = (await store.Evals.GetEvalAsync(Seed.Model, Seed.Sae, CancellationToken.None))!;
        Assert.Equal(("res8_eval_results.json", "Skylion007/openwebtext", DateTimeOffset.FromUnixTimeMilliseconds(1733140800000)), (eval.ImportedFrom, eval.Corpus, eval.CreatedAt));
        var r = eval.Result;
        Assert.Equal((66.87, 402.5, 0.9841, 0.9823, 0.8115, 1.62, 0.9395), (r.L0, r.L1!.Value, r.KlDivScore!.Value, r.CeLossRecovered, r.ExplainedVariance, r.Mse, r.CosineSimilarity));
        Assert.Equal((0.9301, 0.9902, 0.9375, 0.0425, 0.00390625), (r.L2Ratio!.Value, r.RelativeReconstructionBias!.Value, r.FracAlive!.Value, r.FreqOver1Percent!.Value, r.FreqOver10Percent!.Value));
        Assert.Equal((64, 4, 0), (r.DSae, r.DeadFeatures, r.DenseFeatures));   // 1 − frac_alive of 64, 0.39% of 64
    }

    [Theory]
    [InlineData("""{"eval_type_id":"core"}""", "eval_result_metrics is missing")]
    [InlineData("""{"eval_type_id":"absorption_first_letter","eval_result_metrics":{}}""", "eval_type_id is \"absorption_first_letter\", expected \"core\"")]
    [InlineData("not json", "not JSON")]
    [InlineData("""{"eval_result_metrics":{"sparsity":{"l0":"many"}}}""", "eval_result_metrics.sparsity.l0 is missing or not a number")]
    public async Task Import_BadFile_ExitsOneNamingTheFieldAndStoresNothing(string text, string expected)
    {
        var db = await DatabaseAsync();
        var file = File("bad.json", text);

        var result = CliRunner.Run("eval", "import", "--model", Seed.Model, "--sae", Seed.Sae, file, "--db", db);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains(file, result.StandardError);
        Assert.Contains(expected, result.StandardError);
        var store = await AtlasDatabase.OpenAsync(db, CancellationToken.None);
        Assert.Null(await store.Evals.GetEvalAsync(Seed.Model, Seed.Sae, CancellationToken.None));
    }

    [Theory]
    [InlineData("\"d_sae\": 64", "\"d_sae\": 4096", "sae_cfg_dict.d_sae is 4096, but SAE 'res8' has 64 features")]
    [InlineData("\"hook_name\": \"blocks.8.hook_resid_pre\"", "\"hook_name\": \"blocks.3.hook_resid_post\"", "sae_cfg_dict.hook_name is 'blocks.3.hook_resid_post', but SAE 'res8' reads 'blocks.8.hook_resid_pre'")]
    [InlineData("\"cossim\": 0.9395", "\"cossim_missing\": 0.9395", "eval_result_metrics lacks reconstruction_quality.cossim")]
    public async Task Import_FileOfAnotherSae_ExitsOneAndStoresNothing(string from, string to, string expected)
    {
        var db = await DatabaseAsync();
        var file = File("other.json", SaeBenchFile.Replace(from, to, StringComparison.Ordinal));

        var result = CliRunner.Run("eval", "import", "--model", Seed.Model, "--sae", Seed.Sae, file, "--db", db);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains(expected, result.StandardError);
        var store = await AtlasDatabase.OpenAsync(db, CancellationToken.None);
        Assert.Null(await store.Evals.GetEvalAsync(Seed.Model, Seed.Sae, CancellationToken.None));
    }

    [Fact]
    public async Task Import_UnknownSaeOrMissingFile_SaysWhich()
    {
        var db = await DatabaseAsync();
        var file = File("ok.json", SaeBenchFile);

        var unknown = CliRunner.Run("eval", "import", "--model", Seed.Model, "--sae", "res99", file, "--db", db);
        var missing = CliRunner.Run("eval", "import", "--model", Seed.Model, "--sae", Seed.Sae, Path.Combine(_folder, "nope.json"), "--db", db);

        Assert.Equal(ExitCodes.BadInput, unknown.ExitCode);
        Assert.Contains("no SAE 'res99'", unknown.StandardError);
        Assert.Equal(ExitCodes.Usage, missing.ExitCode);
        Assert.Contains("nope.json: no such file", missing.StandardError);
    }
}
