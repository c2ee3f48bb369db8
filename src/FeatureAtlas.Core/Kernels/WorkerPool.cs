namespace FeatureAtlas.Core.Kernels;

/// <summary>
/// A fixed set of worker threads that runs <c>body(context, i)</c> for i in [0, count) across all cores.
/// Kernels use it instead of Parallel.For because it allocates nothing per call (a function pointer and
/// a context pointer, no closures or tasks), which keeps steady-state forward passes allocation-free,
/// and because its hand-off costs a few µs, small enough to parallelise a 64-token GEMM.
/// Calls from inside a worker run inline, so kernels may nest without deadlock.
/// </summary>
internal static unsafe class WorkerPool
{
    private static readonly object Gate = new();
    private static readonly int WorkerCount = Math.Max(0, Environment.ProcessorCount - 1);
    private static readonly SemaphoreSlim Start = new(0);

    [ThreadStatic] private static bool t_inside;

    private static delegate*<nint, int, void> s_body;
    private static nint s_context;
    private static int s_count;
    private static int s_next;
    private static int s_running;
    private static bool s_started;

    /// <summary>Number of threads that share the work, the caller included.</summary>
    public static int Parallelism => WorkerCount + 1;

    public static void For(int count, delegate*<nint, int, void> body, nint context)
    {
        if (count <= 0) return;
        if (count == 1 || WorkerCount == 0 || t_inside)
        {
            for (var i = 0; i < count; i++) body(context, i);
            return;
        }

        lock (Gate)
        {
            EnsureStarted();
            s_body = body;
            s_context = context;
            s_count = count;
            s_next = 0;
            var helpers = Math.Min(WorkerCount, count - 1);
            s_running = helpers;
            Start.Release(helpers);

            t_inside = true;
            try
            {
                RunItems();
            }
            finally
            {
                t_inside = false;
            }

            // The caller only waits for the last item another core is finishing (well under a millisecond),
            // so it spins and yields rather than blocking: a blocking wait allocates on first contention.
            var spinner = new SpinWait();
            while (Volatile.Read(ref s_running) != 0) spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    private static void RunItems()
    {
        int i;
        while ((i = Interlocked.Increment(ref s_next) - 1) < s_count) s_body(s_context, i);
    }

    private static void EnsureStarted()
    {
        if (s_started) return;
        for (var w = 0; w < WorkerCount; w++)
        {
            var thread = new Thread(WorkerLoop) { IsBackground = true, Name = $"atlas-kernel-{w}" };
            thread.Start();
        }
        s_started = true;
    }

    // The nice value helpers run at (0: unchanged); each helper applies it before its next piece of work.
    private static int s_helperNice;

    /// <summary>See <see cref="Runtime.CpuPriority.LowerKernelThreads"/>.</summary>
    internal static void LowerHelperPriority(int nice) => Volatile.Write(ref s_helperNice, nice);

    private static void WorkerLoop()
    {
        t_inside = true;
        var nice = 0;
        while (true)
        {
            Start.Wait();
            var wanted = Volatile.Read(ref s_helperNice);
            if (wanted > nice && Runtime.CpuPriority.LowerCurrentThread(wanted)) nice = wanted;
            RunItems();
            Interlocked.Decrement(ref s_running);
        }
    }
}
