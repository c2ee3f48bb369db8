using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary><c>atlas init-sae</c>: an SAELens folder for a hook of a model, sized from the model's config.</summary>
[Collection(CliCollection.Name)]
public class InitSaeCommandTests
{
    [Fact]
    public void InitSae_ResidPreHook_WritesAnSaeLensFolderThatRunsOnTheModel()
    {
        using var temp = new TemporaryDirectory();
        var model = InitModel(temp.Combine("model"));
        var saeDirectory = temp.Combine("sae");

        var result = CliRunner.Run("init-sae", "--model", model, "--hook", "blocks.1.hook_resid_pre", "--d-sae", "64", "--out", saeDirectory);

        Assert.True(result.ExitCode == 0, result.ToString());
        var sae = SparseAutoencoder.Load(saeDirectory);
        Assert.Equal(64, sae.DIn);
        Assert.Equal(64, sae.DSae);
        Assert.Equal("blocks.1.hook_resid_pre", sae.HookName);
        for (var i = 0; i < sae.DSae; i++)
        {
            var norm = Math.Sqrt(sae.Parameters.WDec.AsSpan(i * sae.DIn, sae.DIn).ToArray().Sum(v => (double)v * v));
            Assert.True(Math.Abs(norm - 1) < 1e-5, $"W_dec row {i} has norm {norm}, expected 1.");
        }
        var run = CliRunner.Run("run", "--model", model, "--token-ids", "1,2,3", "--sae", saeDirectory, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public void InitSae_HookBeyondTheModel_ExitsOneNamingTheHook()
    {
        using var temp = new TemporaryDirectory();
        var model = InitModel(temp.Combine("model"));

        var result = CliRunner.Run("init-sae", "--model", model, "--hook", "blocks.9.hook_resid_pre", "--d-sae", "64", "--out", temp.Combine("sae"));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.DoesNotContain("   at ", result.StandardError);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error:", line);
        Assert.Contains("blocks.9.hook_resid_pre", line);
        Assert.False(Directory.Exists(temp.Combine("sae")));
    }

    private static string InitModel(string directory)
    {
        var result = CliRunner.Run("init-model", "--out", directory, "--layers", "2", "--d-model", "64", "--heads", "4", "--vocab", "1000", "--ctx", "32", "--seed", "7");
        Assert.True(result.ExitCode == 0, result.ToString());
        return directory;
    }
}
