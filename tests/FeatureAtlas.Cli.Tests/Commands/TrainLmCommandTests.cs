using System.Text.Json.Nodes;
using FeatureAtlas.Cli.Commands;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Training;
using FeatureAtlas.Data;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary><c>atlas train-lm</c> on the fixture's 16-token windows: a checkpoint <c>atlas run</c> loads, the summary line, and one-line errors.</summary>
[Collection(CliCollection.Name)]
public sealed class TrainLmCommandTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [Fact]
    public void TrainLm_TinyModel_WritesACheckpointThatAtlasRunLoadsAndPrintsTheBaselines()
    {
        var db = fixture.NewPath("cli") + ".db";
        var output = fixture.NewPath("lm");
        Assert.Equal(ExitCodes.Success, CliRunner.Run("corpus", "add", "--name", "windows", "--jsonl", fixture.CorpusFile, "--db", db).ExitCode);

        var result = CliRunner.Run("train-lm", "--corpus", "windows", "--out", output, "--layers", "1", "--d-model", "16", "--heads", "2", "--ctx", "15",
            "--tokens", "240", "--batch", "4", "--held-out-fraction", "0.05", "--min-count", "0", "--db", db, "--checkpoint-dir", fixture.NewPath("ckpt"));

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("Held out: every 20th window (1,500 tokens)", result.StandardOutput);
        Assert.Contains("Kneser-Ney bigram", result.StandardOutput);
        // The defaults are the demo model's: distilled from the trigram throughout.
        Assert.Contains("the model was distilled from the Kneser-Ney trigram of the training split (α 1 throughout;", result.StandardOutput);
        Assert.Equal(16, Gpt2Model.Load(output).Config.DModel);
        Assert.Equal(ExitCodes.Success, CliRunner.Run("run", "--model", output, "--token-ids", "50256,11,13").ExitCode);
    }

    [Fact]
    public async Task TrainLm_MinCount_SavesAFullGpt2WhoseOwnHeldOutLossIsTheReportedOne()
    {
        var db = fixture.NewPath("cli") + ".db";
        var output = fixture.NewPath("lm");
        Assert.Equal(ExitCodes.Success, CliRunner.Run("corpus", "add", "--name", "windows", "--jsonl", fixture.CorpusFile, "--db", db).ExitCode);

        var result = CliRunner.Run("train-lm", "--corpus", "windows", "--out", output, "--layers", "1", "--d-model", "16", "--heads", "2", "--ctx", "15",
            "--tokens", "240", "--batch", "4", "--min-count", "3", "--held-out-fraction", "0.05", "--db", db, "--checkpoint-dir", fixture.NewPath("ckpt"));

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "training.json")))!;
        var ownRows = (int)report["own_row_tokens"]!;
        Assert.InRange(ownRows, 2, 50_000);
        Assert.Contains($"{ownRows:N0} tokens seen 3+ times have their own row", result.StandardOutput);
        var model = Gpt2Model.Load(output);
        Assert.Equal(50257, model.Config.Vocab);
        var d = model.Config.DModel;
        var distinct = Enumerable.Range(0, 50257).Select(i => string.Join(",", model.Weights.WE.AsSpan(i * d, d).ToArray())).Distinct().Count();
        Assert.Equal(ownRows + 1, distinct);   // every rare token's row is the one shared row

        // The held-out split as train-lm states it (every 20th window; one 16-token sequence each), through the saved model.
        var store = await AtlasDatabase.OpenAsync(db, CancellationToken.None);
        var info = (await store.Corpora.GetCorpusAsync("windows", CancellationToken.None))!;
        var windows = await store.Corpora.ReadWindowsAsync("windows", 0, info.Windows, CancellationToken.None);
        var heldOut = windows.Where((w, i) => i % 20 == 19 && w.Length == 16).ToList();
        var (nats, targets) = LanguageModelTrainer.Evaluate(model, heldOut.SelectMany(w => w).ToArray(), heldOut.Count);
        Assert.Equal((long)report["held_out_tokens"]!, targets);
        Assert.Equal((double)report["held_out_loss"]!, nats / targets, 1e-4 * nats / targets);
    }

    [Theory]
    [InlineData("--min-count -1", "error: --min-count must not be negative, found -1.")]
    [InlineData("--min-count 10", "error: No token is a training target 10 times in these corpora; lower --min-count (0 gives every token its own row).")]
    [InlineData("--corpus no-such", "error: No corpus named 'no-such'; add it with `atlas corpus add`.")]
    [InlineData("--ctx 16", "error: --ctx 16 needs windows of 17 tokens, but corpus 'windows' has 16-token windows; use --ctx 15 or less.")]
    [InlineData("--d-model 30 --heads 4", "error: --d-model 30 is not divisible by --heads 4.")]
    [InlineData("--weight-decay 1", "error: --weight-decay must lie in [0, 1), found 1.")]
    [InlineData("--distill 1.5", "error: --distill must lie in [0, 1], found 1.5.")]
    [InlineData("--distill 0.5 --distill-order 5", "error: --distill-order must be 2, 3 or 4, found 5.")]
    [InlineData("--distill-hold 2", "error: --distill-hold must lie in [0, 1], found 2.")]
    [InlineData("--held-out-fraction 0.9", "error: --held-out-fraction must lie in (0, 0.5], found 0.9.")]
    public void TrainLm_BadInput_OneLineNamingTheValue(string extra, string expected)
    {
        var db = fixture.NewPath("cli") + ".db";
        Assert.Equal(ExitCodes.Success, CliRunner.Run("corpus", "add", "--name", "windows", "--jsonl", fixture.CorpusFile, "--db", db).ExitCode);
        string[] args = ["train-lm", "--out", fixture.NewPath("lm"), "--db", db, "--checkpoint-dir", fixture.NewPath("ckpt"), .. extra.Split(' ')];
        if (!extra.Contains("--corpus", StringComparison.Ordinal)) args = [.. args, "--corpus", "windows"];
        if (!extra.Contains("--ctx", StringComparison.Ordinal)) args = [.. args, "--ctx", "15"];

        var result = CliRunner.Run(args);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Equal(expected, result.StandardError.Trim());
    }
}
