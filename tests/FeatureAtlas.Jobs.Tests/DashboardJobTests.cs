using System.Diagnostics;
using System.Text.Json;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;

namespace FeatureAtlas.Jobs.Tests;

/// <summary>
/// The dashboard job's promise: stopped at any moment (cancellation, or SIGKILL of the process) and started
/// again with the same command, it stores exactly what an uninterrupted run stores.
/// </summary>
public partial class DashboardJobTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [Fact]
    public async Task RunAsync_CancelledMidwayThenRerun_StoresTheUninterruptedResult()
    {
        var expected = await UninterruptedAsync();

        var (store, options) = await NewRunAsync();
        using var cancellation = new CancellationTokenSource();
        var progress = new CancelAfter(2_000, cancellation);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DashboardJob.RunAsync(options, store, store, progress, cancellation.Token));
        Assert.Single(Directory.GetFiles(options.CheckpointDirectory, "*.ckpt"));
        Assert.Empty(await store.ListModelsAsync(CancellationToken.None));   // nothing stored before the pass completes

        await DashboardJob.RunAsync(options, store, store, null, CancellationToken.None);
        Assert.Equal(expected, await DumpAsync(store));
        Assert.Empty(Directory.GetFiles(options.CheckpointDirectory));
    }

    [Theory]
    [InlineData("KILL", 137)]
    // Ctrl+C (SIGINT) and SIGTERM share StopSignal's handler. The test sends SIGTERM: a shell that runs the tests in
    // the background (CI runners, `./test.sh &`) starts them with SIGINT ignored, as POSIX asks, and the child would
    // never see it.
    [InlineData("TERM", 130)]
    public async Task Cli_StoppedBySignalThenRerun_StoresTheUninterruptedResult(string signal, int exitCode)
    {
        var expected = await UninterruptedAsync();
        var db = fixture.NewPath("killed") + ".db";
        var checkpoints = fixture.NewPath("checkpoints");
        Assert.Equal(0, await Atlas("corpus", "add", "--name", "windows", "--jsonl", fixture.CorpusFile, "--db", db).WaitAsync());
        string[] build = ["dashboards", "build", "--model", fixture.ModelDirectory, "--sae", fixture.SaeDirectory, "--corpus", "windows", "--tokens", "32000",
            "--batch", "1", "--top", "8", "--intervals", "4", "--interval-examples", "3",
            "--db", db, "--checkpoint-dir", checkpoints, "--checkpoint-seconds", "0", "--name", "model"];

        var process = Atlas(build);
        // Kill as soon as a checkpoint exists while the run is still going: a real mid-run SIGKILL.
        var watch = Stopwatch.StartNew();
        while (!Directory.Exists(checkpoints) || Directory.GetFiles(checkpoints, "*.ckpt").Length == 0)
        {
            Assert.False(process.Process.HasExited, $"The run ended before its first checkpoint: {process.Error}");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), "No checkpoint appeared within 60 s.");
            await Task.Delay(20);
        }
        Assert.False(process.Process.HasExited, "The run finished before it could be stopped; give it more tokens.");
        // Sent straight from this process (libc kill), not by starting /bin/kill: on a loaded machine, starting a
        // process took long enough for the run to finish first.
        Assert.Equal(0, Kill(process.Process.Id, signal == "TERM" ? 15 : 9));
        await process.Process.WaitForExitAsync();
        Assert.Equal(exitCode, process.Process.ExitCode);   // 128 + SIGKILL, or Ctrl+C's clean stop
        if (signal == "TERM") Assert.Contains("run the same command again", await process.ErrorText);
        Assert.Single(Directory.GetFiles(checkpoints, "*.ckpt"));

        Assert.Equal(0, await Atlas(build).WaitAsync());
        var store = await AtlasDatabase.OpenAsync(db, CancellationToken.None);
        Assert.Equal(expected, await DumpAsync(store));
    }

    [Fact]
    public async Task RunAsync_SaeThatDoesNotFitTheModel_FailsBeforeAnyWork()
    {
        var (store, options) = await NewRunAsync();
        var wrong = fixture.NewPath("wrong-sae");
        Directory.CreateDirectory(wrong);
        foreach (var file in Directory.GetFiles(fixture.SaeDirectory)) File.Copy(file, Path.Combine(wrong, Path.GetFileName(file)));
        var cfg = Path.Combine(wrong, "cfg.json");
        File.WriteAllText(cfg, File.ReadAllText(cfg).Replace("blocks.1.hook_resid_pre", "blocks.1.mlp.hook_post", StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => DashboardJob.RunAsync(options with { SaeDirectories = [wrong] }, store, store, null, CancellationToken.None));
        Assert.Contains("d_in 64", error.Message);
        Assert.Contains("256", error.Message);
        Assert.False(Directory.Exists(options.CheckpointDirectory) && Directory.GetFiles(options.CheckpointDirectory).Length > 0);
        Assert.Empty(await store.ListModelsAsync(CancellationToken.None));
    }

    private async Task<string> UninterruptedAsync()
    {
        var (store, options) = await NewRunAsync();
        await DashboardJob.RunAsync(options, store, store, null, CancellationToken.None);
        return await DumpAsync(store);
    }

    private async Task<(AtlasStore Store, DashboardJobOptions Options)> NewRunAsync()
    {
        var store = await AtlasDatabase.OpenAsync(fixture.NewPath("atlas") + ".db", CancellationToken.None);
        await store.AddCorpusAsync("windows", "test", 16, fixture.Windows, replace: false, CancellationToken.None);
        var options = new DashboardJobOptions
        {
            ModelDirectory = fixture.ModelDirectory,
            ModelName = "model",
            SaeDirectories = [fixture.SaeDirectory],
            Corpus = "windows",
            Tokens = 32000,
            BatchWindows = 2,
            CheckpointDirectory = fixture.NewPath("checkpoints"),
            CheckpointInterval = TimeSpan.Zero,
            Dashboard = new DashboardOptions { TopExamples = 8, Intervals = 4, ExamplesPerInterval = 3 },
        };
        return (store, options);
    }

    /// <summary>Everything stored about the SAE's features, as JSON, for whole-result comparison.</summary>
    private static async Task<string> DumpAsync(AtlasStore store)
    {
        var features = await store.GetFeaturesAsync("model", "sae-l1", 0, 96, CancellationToken.None);
        var summary = await store.GetDashboardSummaryAsync("model", "sae-l1", CancellationToken.None);
        Assert.NotNull(summary);
        return JsonSerializer.Serialize(new { features, summary.TotalTokens, summary.Windows, summary.DeadFeatures, summary.LogDensityHistogram });
    }

    private static AtlasProcess Atlas(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "atlas.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        return new AtlasProcess(process, error);
    }

    private sealed record AtlasProcess(Process Process, Task<string> ErrorText)
    {
        public string Error => ErrorText.IsCompleted ? ErrorText.Result : "(still running)";

        public async Task<int> WaitAsync()
        {
            await Process.WaitForExitAsync();
            Assert.True(Process.ExitCode == 0, $"atlas exited {Process.ExitCode}: {await ErrorText}");
            return Process.ExitCode;
        }
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
