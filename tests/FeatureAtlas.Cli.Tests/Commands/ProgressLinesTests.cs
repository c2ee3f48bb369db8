using FeatureAtlas.Cli.Commands;
using FeatureAtlas.Jobs;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// Progress without a terminal (a log, CI): a line when a stage starts, then at most one per 5 s and one at the end,
/// each with counts, rate and ETA; nothing repeated, nothing wrapped.
/// </summary>
public class ProgressLinesTests
{
    [Fact]
    public void Report_LongStage_PrintsStartThrottledStepsWithEtaAndEnd()
    {
        var output = new StringWriter();
        var now = TimeSpan.Zero;
        var lines = new ProgressLines("dashboards", output, () => now);

        lines.Report(new JobProgress("tokens", 0, 131_072));
        for (var s = 1; s <= 32; s++)
        {
            now = TimeSpan.FromSeconds(s);
            lines.Report(new JobProgress("tokens", s * 4_096, 131_072));
        }
        lines.Report(new JobProgress("tokens", 131_072, 131_072));   // the end again: not repeated

        Assert.Equal(
        [
            "dashboards: tokens 0/131,072 (0%)",
            "dashboards: tokens 20,480/131,072 (16%), 4,096 tokens/s, ETA 00:27",
            "dashboards: tokens 40,960/131,072 (31%), 4,096 tokens/s, ETA 00:22",
            "dashboards: tokens 61,440/131,072 (47%), 4,096 tokens/s, ETA 00:17",
            "dashboards: tokens 81,920/131,072 (62%), 4,096 tokens/s, ETA 00:12",
            "dashboards: tokens 102,400/131,072 (78%), 4,096 tokens/s, ETA 00:07",
            "dashboards: tokens 122,880/131,072 (94%), 4,096 tokens/s, ETA 00:02",
            "dashboards: tokens 131,072/131,072 (100%), 4,096 tokens/s, took 00:32",
        ], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')));
    }

    [Fact]
    public void Report_StagesWithoutCounts_PrintEachNameOnce()
    {
        var output = new StringWriter();
        var now = TimeSpan.Zero;
        var lines = new ProgressLines("umap demo-res1-standard", output, () => now);

        lines.Report(new JobProgress("init", 0, 0));
        now = TimeSpan.FromSeconds(30);
        lines.Report(new JobProgress("init", 0, 0));
        lines.Report(new JobProgress("epochs", 0, 200));
        now = TimeSpan.FromSeconds(31);
        lines.Report(new JobProgress("epochs", 200, 200));
        lines.Report(new JobProgress("saving", 0, 0));

        Assert.Equal(
        [
            "umap demo-res1-standard: init...",
            "umap demo-res1-standard: epochs 0/200 (0%)",
            "umap demo-res1-standard: epochs 200/200 (100%), 200 epochs/s, took 00:01",
            "umap demo-res1-standard: saving...",
        ], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    public void Fit_LongDescription_CutToTheColumnsLeft(int width)
    {
        var description = "train-sae: step 1,000/1,000, 12,345 tokens/s, loss 0.5659, mse 0.5651, L0 8.5, dead 0";

        var fitted = ProgressDisplay.Fit(description, width - 41);

        Assert.Equal(width - 41, fitted.Length);
        Assert.EndsWith("…", fitted);
        Assert.StartsWith("train-sae: step 1,000/1,000", fitted);
    }
}
