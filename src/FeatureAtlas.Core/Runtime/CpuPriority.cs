using System.Runtime.InteropServices;
using FeatureAtlas.Core.Kernels;

namespace FeatureAtlas.Core.Runtime;

/// <summary>
/// Lowers the scheduling priority of threads that do background work (model inference and jobs inside the web
/// server), so that threads answering page reads win the cores when both want them. On Linux a thread's nice
/// value is its own (setpriority on its thread id); raising it needs no privilege, lowering it again would, so it is
/// only ever raised, on threads that keep doing background work. Elsewhere these calls do nothing.
/// </summary>
public static partial class CpuPriority
{
    /// <summary>The nice value background work runs at: CFS then gives a nice-0 thread about ten times its share.</summary>
    public const int BackgroundNice = 10;

    /// <summary>Raises the calling thread's nice value to <paramref name="nice"/>; false where that is not possible.</summary>
    public static bool LowerCurrentThread(int nice = BackgroundNice)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return setpriority(PrioProcess, gettid(), nice) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// The kernels' worker threads (<see cref="Sgemm.Parallelism"/> − 1 of them) lower themselves to
    /// <paramref name="nice"/> before their next piece of work. For a process whose kernels only run background
    /// work, such as the web server (inference, in-process jobs).
    /// </summary>
    public static void LowerKernelThreads(int nice = BackgroundNice) => WorkerPool.LowerHelperPriority(nice);

    private const int PrioProcess = 0;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setpriority(int which, int who, int prio);

    [LibraryImport("libc")]
    private static partial int gettid();
}
