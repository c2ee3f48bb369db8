using System.Text.Json.Nodes;
using FeatureAtlas.Cli;
using FeatureAtlas.Cli.Commands;

namespace FeatureAtlas.Bench.Tests;

/// <summary>The bench tool's <c>search</c> on a small model: a JSON report whose figures add up.</summary>
public class SearchBenchTests
{
    [Fact]
    public void Search_SmallModel_ReportsLatencyAgainstTheGoalAndTheForwardAlone()
    {
        using var temp = new TemporaryDirectory();
        var model = temp.Combine("model");
        var init = ConsoleCapture.Run(AtlasCli.Run, ["init-model", "--out", model, "--layers", "3", "--d-model", "64", "--heads", "4", "--vocab", "1000", "--ctx", "32", "--seed", "7"]);
        Assert.True(init.ExitCode == 0, init.ToString());

        var result = BenchRunner.Run("search", "--model", model, "--saes", "3", "--d-sae", "96", "--tokens", "16", "--repeats", "3", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonNode.Parse(result.StandardOutput.Trim().Split('\n').Last())!.AsObject();
        Assert.Equal(3, (int)report["saes"]!);
        var p50 = (double)report["search_p50_s"]!;
        Assert.True(p50 > 0 && p50 <= (double)report["search_p90_s"]!);
        Assert.Equal(p50 / 0.3, (double)report["p50_vs_goal"]!, 1e-9);
        Assert.True((double)report["forward_p50_s"]! > 0);
        Assert.InRange((int)report["results"]!, 1, 50);
    }

    [Fact]
    public void Search_ZeroRepeats_ExitsWithAUsageError()
    {
        var result = BenchRunner.Run("search", "--repeats", "0");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--repeats", result.StandardError);
    }
}
