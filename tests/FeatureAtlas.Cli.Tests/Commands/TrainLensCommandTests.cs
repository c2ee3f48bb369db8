using System.Text.Json;
using FeatureAtlas.Cli.Commands;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// <c>atlas train-lens</c> on the fixture's model and 16-token windows: the lens lands beside the model, where
/// <c>atlas lens --lens tuned</c> finds it; the summary gives the held-out KL per layer beside the logit lens's;
/// a second run refuses to overwrite without --force; bad input is one line.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class TrainLensCommandTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    private (string Db, string Model) Setup()
    {
        var db = fixture.NewPath("cli") + ".db";
        Assert.Equal(ExitCodes.Success, CliRunner.Run("corpus", "add", "--name", "windows", "--jsonl", fixture.CorpusFile, "--db", db).ExitCode);
        // A copy of the model, so the lens written beside it stays with this test.
        var model = fixture.NewPath("model");
        Directory.CreateDirectory(model);
        foreach (var file in Directory.GetFiles(fixture.ModelDirectory)) File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        return (db, model);
    }

    [Fact]
    public void TrainLens_TinyModel_WritesTheLensBesideTheModelAndAtlasLensReadsIt()
    {
        var (db, model) = Setup();
        Assert.Equal(ExitCodes.BadInput, CliRunner.Run("lens", "--model", model, "--token-ids", "50256,11,13", "--lens", "tuned").ExitCode);

        var result = CliRunner.Run("train-lens", "--model", model, "--corpus", "windows", "--ctx", "16", "--tokens", "640", "--batch", "4", "--lr", "0.01",
            "--db", db, "--checkpoint-dir", fixture.NewPath("ckpt"));

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("Held-out KL to the model's output", result.StandardOutput);
        Assert.Contains("10 steps", result.StandardOutput);
        var config = Gpt2Model.Load(model).Config;
        var lens = TunedLens.LoadBeside(model, config)!;
        Assert.Equal(config.Layers - 1, lens.Translators);
        Assert.Equal(10, (int)lens.Training!["steps"]!);
        var heldOut = lens.Training["held_out_kl"]!.AsArray().Select(x => (double)x!).ToArray();
        var logit = lens.Training["logit_lens_held_out_kl"]!.AsArray().Select(x => (double)x!).ToArray();
        Assert.True(heldOut.Sum() < logit.Sum(), $"10 steps lower the held-out KL: tuned {string.Join(", ", heldOut)}, logit lens {string.Join(", ", logit)}");

        var tuned = CliRunner.Run("lens", "--model", model, "--token-ids", "50256,11,13,262", "--lens", "tuned", "--top", "2", "--json");
        var plain = CliRunner.Run("lens", "--model", model, "--token-ids", "50256,11,13,262", "--top", "2", "--json");
        Assert.Equal(ExitCodes.Success, tuned.ExitCode);
        var tunedJson = JsonDocument.Parse(tuned.StandardOutput).RootElement;
        var plainJson = JsonDocument.Parse(plain.StandardOutput).RootElement;
        Assert.Equal("tuned", tunedJson.GetProperty("lens").GetString());
        Assert.Equal("logit", plainJson.GetProperty("lens").GetString());
        Assert.NotEqual(plainJson.GetProperty("layers")[0].GetRawText(), tunedJson.GetProperty("layers")[0].GetRawText());
        Assert.Equal(plainJson.GetProperty("layers")[config.Layers - 1].GetRawText(), tunedJson.GetProperty("layers")[config.Layers - 1].GetRawText());

        var again = CliRunner.Run("train-lens", "--model", model, "--corpus", "windows", "--ctx", "16", "--tokens", "64", "--db", db, "--checkpoint-dir", fixture.NewPath("ckpt"));
        Assert.Equal(ExitCodes.BadInput, again.ExitCode);
        Assert.Contains("--force", again.StandardError);
    }

    [Theory]
    [InlineData("--corpus no-such", "error: No corpus named 'no-such'; add it with `atlas corpus add`.")]
    [InlineData("--ctx 17", "error: --ctx 17 is longer than corpus 'windows''s 16-token windows; use --ctx 16 or less.")]
    [InlineData("--held-out-fraction 0.9", "error: --held-out-fraction must lie in (0, 0.5], found 0.9.")]
    public void TrainLens_BadInput_OneLineNamingTheValue(string extra, string expected)
    {
        var (db, model) = Setup();
        string[] args = ["train-lens", "--model", model, "--db", db, "--checkpoint-dir", fixture.NewPath("ckpt"), .. extra.Split(' ')];
        if (!extra.Contains("--corpus", StringComparison.Ordinal)) args = [.. args, "--corpus", "windows"];

        var result = CliRunner.Run(args);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Equal(expected, result.StandardError.Trim());
        Assert.False(TunedLens.ExistsFor(model));
    }
}
