using FeatureAtlas.Cli;
using FeatureAtlas.Cli.Commands;
using FeatureAtlas.Data;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// <c>atlas sae add</c>: the SAE is checked against the model before anything is stored, joins the source set it is
/// given, and a bad SAE or option is one line naming it with nothing stored.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class SaeAddCommandTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [Fact]
    public async Task SaeAdd_WithSet_StoresTheSaeInItsSet()
    {
        var db = fixture.NewPath("sae-add") + ".db";

        var result = CliRunner.Run("sae", "add", "--model", fixture.ModelDirectory, "--name", "model", "--sae", fixture.SaeDirectory,
            "--set", "res-jb", "--set-description", "Residual SAEs of the tiny model", "--db", db);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("Added sae-l1", result.StandardOutput);
        var store = await AtlasDatabase.OpenAsync(db, CancellationToken.None);
        var sae = Assert.Single(await store.Models.ListSaesAsync("model", CancellationToken.None));
        Assert.Equal(("sae-l1", "res-jb"), (sae.Name, sae.SetName));
        Assert.Equal("Residual SAEs of the tiny model", (await store.Models.GetModelSourcesAsync("model", CancellationToken.None))!.SourceSets["res-jb"]);
    }

    [Fact]
    public async Task SaeAdd_WeightsThatDoNotMatchItsCfg_OneLineAndNothingStored()
    {
        var db = fixture.NewPath("sae-add-bad") + ".db";
        var bad = fixture.NewPath("sae-bad");
        Directory.CreateDirectory(bad);
        File.Copy(Path.Combine(fixture.SaeDirectory, "cfg.json"), Path.Combine(bad, "cfg.json"));
        var weights = File.ReadAllBytes(Path.Combine(fixture.SaeDirectory, "sae_weights.safetensors"));
        File.WriteAllBytes(Path.Combine(bad, "sae_weights.safetensors"), weights[..(weights.Length - 4)]);

        var result = CliRunner.Run("sae", "add", "--model", fixture.ModelDirectory, "--name", "model", "--sae", bad, "--db", db);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        var line = Assert.Single(result.StandardError.Trim().Split('\n'));
        Assert.StartsWith($"error: {bad}: ", line);
        Assert.Contains("sae_weights.safetensors", line);
        Assert.False(File.Exists(db) && (await (await AtlasDatabase.OpenAsync(db, CancellationToken.None)).Models.ListSaesAsync("model", CancellationToken.None)).Count > 0);
    }

    [Theory]
    [InlineData("--set Res_JB", "--set:")]
    [InlineData("--set-description lonely", "--set-description needs --set")]
    [InlineData("--build", "--build needs --corpus")]
    public void SaeAdd_BadOptions_UsageNamingTheOption(string extra, string expected)
    {
        var db = fixture.NewPath("sae-add-usage") + ".db";

        var result = CliRunner.Run(["sae", "add", "--model", fixture.ModelDirectory, "--sae", fixture.SaeDirectory, "--db", db, .. extra.Split(' ')]);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(expected, result.StandardError);
        Assert.False(File.Exists(db));
    }
}
