using System.Diagnostics;

namespace FeatureAtlas.Jobs;

/// <summary>
/// When a long pass writes its next checkpoint: after at least the configured interval, and after long enough that
/// writing takes at most <see cref="MaxOverhead"/> of the time. A dashboard checkpoint of a 24,576-feature SAE holds
/// 1.35 GB of correlation sums (S·D float64 plus S(S−1)/2 float32); written every 30 s with a flush to disk, it cost
/// as much as the pass itself on a loaded machine. Pacing by the last write's duration bounds that cost to 5% whatever
/// the disk and the SAE, and leaves small checkpoints at the interval.
/// </summary>
internal sealed class CheckpointPacer
{
    public const double MaxOverhead = 0.05;

    private readonly TimeSpan _interval;
    private readonly Stopwatch _since = Stopwatch.StartNew();
    private TimeSpan _wait;

    public CheckpointPacer(TimeSpan interval)
    {
        _interval = interval;
        _wait = interval;
    }

    public bool Due => _since.Elapsed >= _wait;

    /// <summary>Times <paramref name="write"/> and sets the next wait to max(interval, write time × (1 − o)/o).</summary>
    public void Write(Action write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var watch = Stopwatch.StartNew();
        write();
        Wrote(watch.Elapsed);
    }

    public async Task WriteAsync(Func<Task> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var watch = Stopwatch.StartNew();
        await write().ConfigureAwait(false);
        Wrote(watch.Elapsed);
    }

    private void Wrote(TimeSpan took)
    {
        var paced = took * ((1 - MaxOverhead) / MaxOverhead);
        _wait = paced > _interval ? paced : _interval;
        _since.Restart();
    }
}
