using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FeatureAtlas.Cli.Tests;

/// <summary>
/// <c>atlas</c> run as a real child process (<c>dotnet atlas.dll …</c>), for tests that stop it the way a user or the
/// system would: stderr is collected, stdout drained so the child never blocks on a full pipe.
/// </summary>
internal sealed partial record AtlasProcess(Process Process, Task<string> ErrorText, Task<string> OutputText)
{
    /// <summary>What the command wrote to stderr, once it has exited.</summary>
    public string Error => ErrorText.IsCompleted ? ErrorText.Result : "(still running)";

    public static AtlasProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>Starts atlas with <paramref name="environment"/> added to this process's variables.</summary>
    public static AtlasProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "atlas.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        return new AtlasProcess(process, error, output);
    }

    /// <summary>
    /// Sends <paramref name="signal"/> (15 SIGTERM, 9 SIGKILL) straight from this process through libc's kill, not by
    /// starting /bin/kill: on a loaded machine, starting a process can take longer than the moment being aimed at.
    /// </summary>
    public int Signal(int signal) => Kill(Process.Id, signal);

    /// <summary>Waits for the exit and asserts it was 0, showing stderr otherwise.</summary>
    public async Task<int> WaitAsync()
    {
        await Process.WaitForExitAsync();
        Assert.True(Process.ExitCode == 0, $"atlas exited {Process.ExitCode}: {await ErrorText}");
        return Process.ExitCode;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
