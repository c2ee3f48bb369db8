using FeatureAtlas.Cli;
using FeatureAtlas.Cli.Commands;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Data;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary><c>atlas train-sae</c> then <c>atlas eval</c> on the tiny model: exit codes, the SAELens folder, the stored evaluation.</summary>
public sealed class TrainAndEvalCliTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [Fact]
    public async Task TrainThenEval_TinyModel_WritesAnSaeAndStoresItsEvaluation()
    {
        var db = fixture.NewPath("cli") + ".db";
        var output = fixture.NewPath("trained");
        Assert.Equal(ExitCodes.Success, AtlasCli.Run(["corpus", "add", "--name", "windows", "--jsonl", fixture.CorpusFile, "--db", db]));
        string[] train = ["train-sae", "--model", fixture.ModelDirectory, "--hook", "blocks.1.hook_resid_pre", "--corpus", "windows", "--out", output,
            "--arch", "topk", "--d-sae", "128", "--k", "8", "--tokens", "1280", "--batch", "64", "--lr", "0.003", "--db", db, "--checkpoint-dir", fixture.NewPath("ckpt")];

        Assert.Equal(ExitCodes.Usage, AtlasCli.Run([.. train.Select(a => a == "blocks.1.hook_resid_pre" ? "blocks.9.hook_resid_pre" : a)]));
        Assert.Equal(ExitCodes.Usage, AtlasCli.Run([.. train, "--lr-warmup", "15", "--lr-decay", "15"]));
        Assert.Equal(ExitCodes.Usage, AtlasCli.Run([.. train.Select(a => a == "8" ? "500" : a)]));   // k > d_sae
        Assert.Equal(ExitCodes.Usage, AtlasCli.Run([.. train, "--aux-k", "0"]));
        Assert.Equal(ExitCodes.Usage, AtlasCli.Run([.. train, "--aux-k", "129"]));                    // k_aux > d_sae
        Assert.Equal(ExitCodes.Usage, AtlasCli.Run([.. train, "--aux-coefficient", "-1"]));
        Assert.False(Directory.Exists(output));

        Assert.Equal(ExitCodes.Success, AtlasCli.Run(train));
        var sae = SparseAutoencoder.Load(output);
        Assert.Equal((SaeArchitecture.TopK, 8, 64, 128), (sae.Config.Architecture, sae.Config.K, sae.DIn, sae.DSae));

        Assert.Equal(ExitCodes.Success, AtlasCli.Run(["eval", "--model", fixture.ModelDirectory, "--sae", output, "--tokens", "640", "--db", db, "--json"]));
        var store = await AtlasDatabase.OpenAsync(db, CancellationToken.None);
        var eval = await store.Evals.GetEvalAsync("model", sae.Name, CancellationToken.None);
        Assert.NotNull(eval);
        Assert.Equal(40 * 15, eval.Result.Tokens);   // 40 windows of 16 tokens, BOS masked
        Assert.True(eval.Result.L0 is > 0 and <= 8);
        Assert.InRange(eval.Result.CosineSimilarity, 0.2, 1);
        Assert.Equal(128, eval.Result.LogDensityHistogram.Sum());
        Assert.Single(await store.Evals.ListEvalsAsync("model", "blocks.1.hook_resid_pre", CancellationToken.None));
        Assert.Empty(await store.Evals.ListEvalsAsync("model", "blocks.0.hook_resid_pre", CancellationToken.None));

        // By store names now that the model and SAE are registered, also as a SAEBench core result file.
        var saeBench = Path.Combine(Path.GetDirectoryName(db)!, "core.json");
        Assert.Equal(ExitCodes.Success, AtlasCli.Run(["eval", "--model", "model", "--sae", sae.Name, "--tokens", "320", "--db", db, "--json", "--saebench-out", saeBench]));
        var stored = (await store.Evals.GetEvalAsync("model", sae.Name, CancellationToken.None))!.Result;
        Assert.Equal(20 * 15, stored.Tokens);
        var written = FeatureAtlas.Core.Evals.SaeBenchFormat.ReadFile(saeBench);
        Assert.Equal((stored.L0, stored.CeLossRecovered, stored.ExplainedVariance), (written.L0, written.CeLossRecovered, written.ExplainedVariance));
        Assert.InRange(written.KlDivScore!.Value, -10, 1);
        Assert.Equal(1 - stored.DeadFeatures / 128.0, written.FracAlive!.Value, 1e-12);
        Assert.Equal(ExitCodes.BadInput, AtlasCli.Run(["eval", "--model", "model", "--sae", "no-such-sae", "--db", db]));
    }
}
