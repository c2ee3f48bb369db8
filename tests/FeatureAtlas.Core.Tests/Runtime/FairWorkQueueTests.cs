using FeatureAtlas.Core.Runtime;

namespace FeatureAtlas.Core.Tests.Runtime;

/// <summary>
/// A model's queue: one piece at a time, round-robin between clients, bounded, and work whose client went away is
/// dropped (waiting) or told to stop (running).
/// </summary>
public class FairWorkQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_OneClientQueuedThreeAndAnotherOne_TakeTurns()
    {
        var queue = new FairWorkQueue(capacity: 8);
        var (blocker, release) = Block(queue);
        var order = new List<string>();
        Task<int> Piece(string client, string name) => queue.RunAsync(client, _ =>
        {
            lock (order) order.Add(name);
            return 0;
        }, CancellationToken.None);

        var pieces = new[] { Piece("a", "a1"), Piece("a", "a2"), Piece("a", "a3"), Piece("b", "b1") };
        release.SetResult();
        await Task.WhenAll(pieces.Append(blocker)).WaitAsync(Timeout);

        Assert.Equal(["a1", "b1", "a2", "a3"], order);
    }

    [Fact]
    public async Task RunAsync_CapacityPiecesWaiting_RefusesTheNextAsBusy()
    {
        var queue = new FairWorkQueue(capacity: 2);
        var (blocker, release) = Block(queue);
        var waiting = new[] { queue.RunAsync("a", _ => 1, CancellationToken.None), queue.RunAsync("b", _ => 2, CancellationToken.None) };

        var error = await Assert.ThrowsAsync<ModelBusyException>(() => queue.RunAsync("c", _ => 3, CancellationToken.None));

        Assert.Contains("2 requests waiting", error.Message);
        release.SetResult();
        var results = await Task.WhenAll(waiting).WaitAsync(Timeout);
        Assert.Equal([1, 2], results);
        await blocker;
    }

    [Fact]
    public async Task RunAsync_CallerCancelsWhileWaiting_WorkNeverRuns()
    {
        var queue = new FairWorkQueue(capacity: 8);
        var (blocker, release) = Block(queue);
        using var client = new CancellationTokenSource();
        var ran = false;
        var piece = queue.RunAsync("gone", _ => ran = true, client.Token);

        await client.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => piece.WaitAsync(Timeout));
        Assert.Equal(0, queue.Stats.Waiting);
        release.SetResult();
        await blocker.WaitAsync(Timeout);
        Assert.Equal(7, await queue.RunAsync("next", _ => 7, CancellationToken.None).WaitAsync(Timeout));

        Assert.False(ran);
        Assert.Equal(new WorkQueueStats(0, false, 2, 1, 0), queue.Stats);
    }

    [Fact]
    public async Task RunAsync_CallerCancelsWhileRunning_WorkStopsAndTheQueueMovesOn()
    {
        var queue = new FairWorkQueue(capacity: 8);
        using var client = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var steps = 0;
        var piece = queue.RunAsync("gone", ct =>
        {
            started.SetResult();
            while (true)
            {
                ct.ThrowIfCancellationRequested();   // a decode loop checks once per token
                Interlocked.Increment(ref steps);
                Thread.Sleep(1);
            }
#pragma warning disable CS0162 // the loop ends only by cancellation
            return 0;
#pragma warning restore CS0162
        }, client.Token);
        await started.Task.WaitAsync(Timeout);

        await client.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => piece.WaitAsync(Timeout));
        var stepsAtStop = Volatile.Read(ref steps);
        Assert.Equal(5, await queue.RunAsync("next", _ => 5, CancellationToken.None).WaitAsync(Timeout));

        Assert.Equal(stepsAtStop, Volatile.Read(ref steps));
        Assert.Equal(new WorkQueueStats(0, false, 1, 1, 0), queue.Stats);
    }

    [Fact]
    public async Task RunAsync_WorkThrows_CallerGetsTheErrorAndTheQueueMovesOn()
    {
        var queue = new FairWorkQueue(capacity: 8);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => queue.RunAsync<int>("a", _ => throw new InvalidDataException("bad file"), CancellationToken.None));

        Assert.Equal("bad file", error.Message);
        Assert.Equal(3, await queue.RunAsync("a", _ => 3, CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(new WorkQueueStats(0, false, 1, 0, 1), queue.Stats);
    }

    /// <summary>A piece that holds the queue until released, started before the test queues more.</summary>
    private static (Task<int> Blocker, TaskCompletionSource Release) Block(FairWorkQueue queue)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new ManualResetEventSlim();
        var blocker = queue.RunAsync("blocker", _ =>
        {
            started.Set();
            release.Task.Wait(CancellationToken.None);
            return 0;
        }, CancellationToken.None);
        Assert.True(started.Wait(Timeout));
        return (blocker, release);
    }

    [Fact]
    public async Task RunAsync_BackgroundPriority_WorkRunsAtNiceTenAndTheCallerIsUnchanged()
    {
        // The web server runs inference this way so that page reads win the cores (Linux nice values are per thread).
        if (!OperatingSystem.IsLinux()) Assert.Skip("Thread nice values are Linux's.");
        var callerBefore = Nice();
        var queue = new FairWorkQueue(capacity: 4, backgroundPriority: true);

        var first = await queue.RunAsync("a", _ => Nice(), CancellationToken.None).WaitAsync(Timeout);
        var second = await queue.RunAsync("b", _ => Nice(), CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(Math.Max(callerBefore, CpuPriority.BackgroundNice), first);
        Assert.Equal(first, second);
        Assert.Equal(callerBefore, Nice());
    }

    /// <summary>The calling thread's nice value: field 19 of /proc/thread-self/stat (after the parenthesised name).</summary>
    private static int Nice()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }
}
