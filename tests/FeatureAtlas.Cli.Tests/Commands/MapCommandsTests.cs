using System.Text.Json.Nodes;
using FeatureAtlas.Cli.Commands;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary><c>atlas compare</c>, <c>atlas umap</c> and <c>atlas bench umap|similar</c>: usage errors and small reports.</summary>
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
    public void BenchUmap_SmallMatrixWithoutReference_ReportsTrustworthiness()
    {
        var result = CliRunner.Run("bench", "umap", "--features", "400", "--d-in", "32", "--clusters", "8", "--no-reference", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonNode.Parse(result.StandardOutput.Trim().Split('\n').Last())!.AsObject();
        Assert.Equal(400, (int)report["n"]!);
        Assert.InRange((double)report["trustworthiness"]!, 0.8, 1.0);
        Assert.Contains("SYNTHETIC", (string)report["matrix"]!);
    }

    [Fact]
    public void BenchUmap_TwoSaes_ReportsSeparateAndJointTimesAndTrust()
    {
        var result = CliRunner.Run("bench", "umap", "--features", "300", "--d-in", "24", "--clusters", "6", "--saes", "2", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonNode.Parse(result.StandardOutput.Trim().Split('\n').Last())!.AsObject();
        Assert.Equal((2, 300), ((int)report["saes"]!, (int)report["n"]!));
        Assert.Equal((double)report["time_each_s"]![0]! + (double)report["time_each_s"]![1]!, (double)report["time_separate_s"]!, 1e-9);
        Assert.Equal((double)report["time_joint_s"]! / (double)report["time_separate_s"]!, (double)report["joint_vs_separate"]!, 1e-9);
        Assert.InRange((double)report["trustworthiness_joint"]!, 0.8, 1.0);
    }

    [Fact]
    public void Umap_NameWithOneSae_ExitsWithAUsageError()
    {
        using var temp = new TemporaryDirectory();
        var result = CliRunner.Run("umap", "--model", "m", "--sae", "a", "--name", "joint", "--db", temp.Combine("atlas.db"));
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--sae twice or more", result.StandardError);
    }

    [Fact]
    public void BenchSimilar_SmallMatrix_ReportsSearchAndGemmTimes()
    {
        var result = CliRunner.Run("bench", "similar", "--features", "512", "--d-in", "32", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonNode.Parse(result.StandardOutput.Trim().Split('\n').Last())!.AsObject();
        Assert.True((double)report["search_s"]! > 0 && (double)report["gemm_only_s"]! > 0);
        Assert.Equal((double)report["search_s"]! / (double)report["gemm_only_s"]!, (double)report["search_vs_gemm"]!, 1e-9);
    }
}
