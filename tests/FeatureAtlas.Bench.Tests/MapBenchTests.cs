using System.Text.Json.Nodes;

namespace FeatureAtlas.Bench.Tests;

/// <summary>The bench tool's <c>umap</c> and <c>similar</c> on small synthetic matrices: reports whose figures add up.</summary>
public class MapBenchTests
{
    [Fact]
    public void Umap_SmallMatrixWithoutReference_ReportsTrustworthiness()
    {
        var result = BenchRunner.Run("umap", "--features", "400", "--d-in", "32", "--clusters", "8", "--no-reference", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonNode.Parse(result.StandardOutput.Trim().Split('\n').Last())!.AsObject();
        Assert.Equal(400, (int)report["n"]!);
        Assert.InRange((double)report["trustworthiness"]!, 0.8, 1.0);
        Assert.Contains("SYNTHETIC", (string)report["matrix"]!);
    }

    [Fact]
    public void Umap_TwoSaes_ReportsSeparateAndJointTimesAndTrust()
    {
        var result = BenchRunner.Run("umap", "--features", "300", "--d-in", "24", "--clusters", "6", "--saes", "2", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonNode.Parse(result.StandardOutput.Trim().Split('\n').Last())!.AsObject();
        Assert.Equal((2, 300), ((int)report["saes"]!, (int)report["n"]!));
        Assert.Equal((double)report["time_each_s"]![0]! + (double)report["time_each_s"]![1]!, (double)report["time_separate_s"]!, 1e-9);
        Assert.Equal((double)report["time_joint_s"]! / (double)report["time_separate_s"]!, (double)report["joint_vs_separate"]!, 1e-9);
        Assert.InRange((double)report["trustworthiness_joint"]!, 0.8, 1.0);
    }

    [Fact]
    public void Similar_SmallMatrix_ReportsSearchAndGemmTimes()
    {
        var result = BenchRunner.Run("similar", "--features", "512", "--d-in", "32", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonNode.Parse(result.StandardOutput.Trim().Split('\n').Last())!.AsObject();
        Assert.True((double)report["search_s"]! > 0 && (double)report["gemm_only_s"]! > 0);
        Assert.Equal((double)report["search_s"]! / (double)report["gemm_only_s"]!, (double)report["search_vs_gemm"]!, 1e-9);
    }
}
