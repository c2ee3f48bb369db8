using System.Text.Json.Nodes;
using FeatureAtlas.Cli.Commands;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary><c>atlas compare</c> and <c>atlas umap</c>: usage errors.</summary>
[Collection(CliCollection.Name)]
public class MapCommandsTests
{
    [Fact]
    public void Compare_OneSae_ExitsWithAUsageError()
    {
        var result = CliRunner.Run("compare", "--model", "m", "--sae", "a");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("exactly twice", result.StandardError);
    }

    [Fact]
    public void Umap_UnknownModel_ExitsWithBadInput()
    {
        using var temp = new TemporaryDirectory();
        var result = CliRunner.Run("umap", "--model", "nope", "--sae", "s", "--db", temp.Combine("atlas.db"), "--checkpoint-dir", temp.Combine("ckpt"));
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("'s'", result.StandardError);
    }

    [Fact]
    public void Umap_NameWithOneSae_ExitsWithAUsageError()
    {
        using var temp = new TemporaryDirectory();
        var result = CliRunner.Run("umap", "--model", "m", "--sae", "a", "--name", "joint", "--db", temp.Combine("atlas.db"));
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--sae twice or more", result.StandardError);
    }
}
