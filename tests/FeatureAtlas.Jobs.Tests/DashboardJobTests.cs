using FeatureAtlas.Core.Dashboards;

namespace FeatureAtlas.Jobs.Tests;

/// <summary>
/// The dashboard job's promise: cancelled at any moment and started again with the same options, it stores exactly
/// what an uninterrupted run stores (a stop by signal through <c>atlas</c> is in the CLI tests).
/// </summary>
public class DashboardJobTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [Fact]
    public async Task RunAsync_CancelledMidwayThenRerun_StoresTheUninterruptedResult()
    {
        var expected = await fixture.UninterruptedDashboardsAsync();

        var (store, options) = await fixture.NewDashboardRunAsync();
        using var cancellation = new CancellationTokenSource();
        var progress = new CancelAfter(2_000, cancellation);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DashboardJob.RunAsync(options, store.Corpora, store.Models, store.Dashboards, progress, cancellation.Token));
        Assert.Single(Directory.GetFiles(options.CheckpointDirectory, "*.ckpt"));
        Assert.Empty(await store.Models.ListModelsAsync(CancellationToken.None));   // nothing stored before the pass completes

        await DashboardJob.RunAsync(options, store.Corpora, store.Models, store.Dashboards, null, CancellationToken.None);
        Assert.Equal(expected, await DashboardJobFixture.DumpAsync(store));
        Assert.Empty(Directory.GetFiles(options.CheckpointDirectory));
    }

    [Fact]
    public async Task RunAsync_SaeThatDoesNotFitTheModel_FailsBeforeAnyWork()
    {
        var (store, options) = await fixture.NewDashboardRunAsync();
        var wrong = fixture.NewPath("wrong-sae");
        Directory.CreateDirectory(wrong);
        foreach (var file in Directory.GetFiles(fixture.SaeDirectory)) File.Copy(file, Path.Combine(wrong, Path.GetFileName(file)));
        var cfg = Path.Combine(wrong, "cfg.json");
        File.WriteAllText(cfg, File.ReadAllText(cfg).Replace("blocks.1.hook_resid_pre", "blocks.1.mlp.hook_post", StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => DashboardJob.RunAsync(options with { SaeDirectories = [wrong] }, store.Corpora, store.Models, store.Dashboards, null, CancellationToken.None));
        Assert.Contains("d_in 64", error.Message);
        Assert.Contains("256", error.Message);
        Assert.False(Directory.Exists(options.CheckpointDirectory) && Directory.GetFiles(options.CheckpointDirectory).Length > 0);
        Assert.Empty(await store.Models.ListModelsAsync(CancellationToken.None));
    }

    /// <summary>Cancels the run once it reports at least <paramref name="tokens"/> tokens done.</summary>
    private sealed class CancelAfter(long tokens, CancellationTokenSource cancellation) : IProgress<JobProgress>
    {
        public void Report(JobProgress value)
        {
            if (value.Stage == "tokens" && value.Done >= tokens) cancellation.Cancel();
        }
    }
}
