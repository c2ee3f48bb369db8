using System.Runtime.InteropServices;

namespace FeatureAtlas.Core.Tests.Cli;

/// <summary>
/// Captures bytes written to file descriptor 1 while an action runs, by pointing the descriptor at a temp file
/// (dup/dup2) and back. Only for code that bypasses Console.Out; Unix only (elsewhere it captures nothing).
/// Callers must not run beside other tests that print.
/// </summary>
internal static partial class StandardOutputCapture
{
    private const int StandardOutput = 1;

    public static (T Result, string Output) Capture<T>(Func<T> action)
    {
        if (OperatingSystem.IsWindows()) return (action(), "");
        var path = Path.GetTempFileName();
        try
        {
            int saved;
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
            {
                saved = Check(Dup(StandardOutput), "dup");
                Check(Dup2((int)file.SafeFileHandle.DangerousGetHandle(), StandardOutput), "dup2");
            }
            T result;
            try
            {
                result = action();
            }
            finally
            {
                Check(Dup2(saved, StandardOutput), "dup2");
                Close(saved);
            }
            return (result, File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static int Check(int value, string call) =>
        value >= 0 ? value : throw new InvalidOperationException($"{call} failed with errno {Marshal.GetLastPInvokeError()}.");

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int Dup(int fd);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int oldFd, int newFd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
