using System.Diagnostics.CodeAnalysis;

namespace FeatureAtlas.Core.Runtime;

/// <summary>
/// One model's work, run one piece at a time (each forward pass already uses every core through the kernel pool,
/// so two at once would only share them), taken round-robin between clients: a client with twenty requests queued
/// does not hold back another's one. Bounded: past <see cref="Capacity"/> waiting pieces, more is refused at once.
/// Work whose caller cancels before it starts is dropped without running; once running it sees the same token.
/// </summary>
[SuppressMessage("Naming", "CA1711", Justification = "It is a queue of work; the name says what it is.")]
public sealed class FairWorkQueue
{
    private readonly object _lock = new();
    private readonly Dictionary<string, Queue<Item>> _byClient = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _turns = new();     // clients with waiting work, next turn first
    private int _waiting;
    private bool _pumping;                                  // a pump task is draining the queue
    private bool _running;                                  // and is inside a piece of work now
    private long _completed, _cancelled, _failed;

    public FairWorkQueue(int capacity, bool backgroundPriority = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        BackgroundPriority = backgroundPriority;
    }

    public int Capacity { get; }

    /// <summary>
    /// Work runs on a thread of its own at <see cref="CpuPriority.BackgroundNice"/> (one per burst of work, since a
    /// thread's priority is never raised back), so the process's other threads (page reads) come first for the cores.
    /// </summary>
    public bool BackgroundPriority { get; }

    /// <summary>What the queue is doing now and has done: for status pages and tests.</summary>
    public WorkQueueStats Stats
    {
        get
        {
            lock (_lock) return new WorkQueueStats(_waiting, _pumping && _running, _completed, _cancelled, _failed);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> when its turn comes. <see cref="ModelBusyException"/> when <see cref="Capacity"/>
    /// pieces already wait; <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires
    /// first (the work never starts) or the work itself stops on it.
    /// </summary>
    public Task<T> RunAsync<T>(string client, Func<CancellationToken, T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(work);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<T>(cancellationToken);
        var item = new Item<T>(client, work, cancellationToken);
        lock (_lock)
        {
            if (_waiting >= Capacity) throw new ModelBusyException($"The model has {_waiting} requests waiting, its limit; try again shortly.");
            if (!_byClient.TryGetValue(client, out var queue))
            {
                _byClient[client] = queue = new Queue<Item>();
                _turns.AddLast(client);
            }
            queue.Enqueue(item);
            _waiting++;
            if (!_pumping)
            {
                _pumping = true;
                if (BackgroundPriority)
                {
                    new Thread(() =>
                    {
                        CpuPriority.LowerCurrentThread();
                        Pump();
                    }) { IsBackground = true, Name = "atlas-model-work" }.Start();
                }
                else
                {
                    _ = Task.Run(Pump, CancellationToken.None);
                }
            }
        }
        // Cancelled while waiting: settle the caller now; the pump skips the item when it comes up.
        item.Registration = cancellationToken.Register(() =>
        {
            if (!item.TryCancel()) return;
            lock (_lock)
            {
                _waiting--;
                _cancelled++;
            }
        });
        return item.Task;
    }

    private void Pump()
    {
        while (true)
        {
            Item? next = null;
            lock (_lock)
            {
                while (next is null && _turns.First is { } turn)
                {
                    var queue = _byClient[turn.Value];
                    var candidate = queue.Dequeue();
                    _turns.RemoveFirst();
                    if (queue.Count > 0) _turns.AddLast(turn.Value);
                    else _byClient.Remove(turn.Value);
                    if (candidate.TryStart())
                    {
                        _waiting--;
                        next = candidate;
                    }
                }
                if (next is null)
                {
                    _pumping = false;
                    _running = false;
                    return;
                }
                _running = true;
            }
            var outcome = next.Run();
            lock (_lock)
            {
                _running = false;
                switch (outcome)
                {
                    case Outcome.Completed: _completed++; break;
                    case Outcome.Cancelled: _cancelled++; break;
                    default: _failed++; break;
                }
            }
        }
    }

    private enum Outcome { Completed, Cancelled, Failed }

    private abstract class Item(string client)
    {
        private int _state;   // 0 waiting, 1 started, 2 cancelled before start

        public string Client { get; } = client;

        public CancellationTokenRegistration Registration { get; set; }

        public bool TryStart() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

        public bool TryCancel()
        {
            if (Interlocked.CompareExchange(ref _state, 2, 0) != 0) return false;
            SetCancelled();
            return true;
        }

        protected abstract void SetCancelled();

        public abstract Outcome Run();
    }

    private sealed class Item<T>(string client, Func<CancellationToken, T> work, CancellationToken cancellationToken) : Item(client)
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _result.Task;

        protected override void SetCancelled() => _result.TrySetCanceled(cancellationToken);

        public override Outcome Run()
        {
            Registration.Dispose();
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                _result.TrySetResult(work(cancellationToken));
                return Outcome.Completed;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                _result.TrySetCanceled(cancellationToken);
                return Outcome.Cancelled;
            }
            catch (Exception e)
            {
                _result.TrySetException(e);
                return Outcome.Failed;
            }
        }
    }
}
