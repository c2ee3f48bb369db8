using System.Diagnostics;
using FeatureAtlas.Data;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// <c>atlas dashboards build</c> in its own process: stopped at any moment (SIGKILL, or SIGTERM/Ctrl+C) and started
/// again with the same command, it stores exactly what an uninterrupted run stores.
/// </summary>
public partial class DashboardsCommandTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    [Theory]
    [InlineData("KILL", 137)]
    // Ctrl+C (SIGINT) and SIGTERM share StopSignal's handler. The test sends SIGTERM: a shell that runs the tests in
    // the background (CI runners, `./test.sh &`) starts them with SIGINT ignored, as POSIX asks, and the child would
    // never see it.
    [InlineData("TERM", 130)]
    public async Task Build_StoppedBySignalThenRerun_StoresTheUninterruptedResult(string signal, int exitCode)
    {
        var expected = await fixture.UninterruptedDashboardsAsync();
        var db = fixture.NewPath("killed") + ".db";
        var checkpoints = fixture.NewPath("checkpoints");
        Assert.Equal(0, await AtlasProcess.Start("corpus", "add", "--name", "windows", "--jsonl", fixture.CorpusFile, "--db", db).WaitAsync());
        string[] build = ["dashboards", "build", "--model", fixture.ModelDirectory, "--sae", fixture.SaeDirectory, "--corpus", "windows", "--tokens", "32000",
            "--batch", "1", "--top", "8", "--intervals", "4", "--interval-examples", "3",
            "--db", db, "--checkpoint-dir", checkpoints, "--checkpoint-seconds", "0", "--name", "model"];

        var process = AtlasProcess.Start(build);
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
        Assert.Equal(0, process.Signal(signal == "TERM" ? 15 : 9));
        await process.Process.WaitForExitAsync();
        Assert.Equal(exitCode, process.Process.ExitCode);   // 128 + SIGKILL, or Ctrl+C's clean stop
        if (signal == "TERM") Assert.Contains("run the same command again", await process.ErrorText);
        Assert.Single(Directory.GetFiles(checkpoints, "*.ckpt"));

        Assert.Equal(0, await AtlasProcess.Start(build).WaitAsync());
        var store = await AtlasDatabase.OpenAsync(db, CancellationToken.None);
        Assert.Equal(expected, await DashboardJobFixture.DumpAsync(store));
    }
}
