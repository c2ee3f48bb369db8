using System.Globalization;
using FeatureAtlas.Jobs;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// A job's progress as plain lines, for a log or CI where a live bar cannot redraw: a line when a stage starts, then
/// at most one per <see cref="Interval"/>, and one when the stage completes, each with counts, rate and ETA
/// ("dashboards: tokens 12,288/131,072 (9%), 4,096 tokens/s, ETA 00:00:29"). A line is never printed twice, and
/// none is wrapped: a log reader's window does the wrapping.
/// </summary>
internal sealed class ProgressLines(string title, TextWriter output, Func<TimeSpan> clock)
{
    /// <summary>Longest silence while a stage runs.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private string? _stage;
    private TimeSpan _stageStart, _lastPrint;
    private long _startDone, _lastDone = -1, _lastTotal = -1;

    public void Report(JobProgress p)
    {
        var now = clock();
        var newStage = p.Stage != _stage;
        if (newStage)
        {
            _stage = p.Stage;
            _stageStart = now;
            _startDone = p.Done;
            _lastDone = -1;
            _lastTotal = -1;
        }
        var complete = p.Total > 0 && p.Done >= p.Total;
        if (p.Done == _lastDone && p.Total == _lastTotal) return;                 // nothing new to say
        if (!newStage && !complete && now - _lastPrint < Interval) return;
        if (!newStage && p.Total <= 1 && !complete) return;                       // a stage without counts: its name once
        _lastPrint = now;
        _lastDone = p.Done;
        _lastTotal = p.Total;
        output.WriteLine(Describe(p, now - _stageStart));
    }

    private string Describe(JobProgress p, TimeSpan elapsed)
    {
        if (p.Total <= 1) return $"{title}: {p.Stage}{(p.Done >= p.Total && p.Total > 0 ? " done" : "...")}";
        var percent = Math.Min(100, 100.0 * p.Done / p.Total);
        var line = string.Create(CultureInfo.InvariantCulture, $"{title}: {p.Stage} {p.Done:N0}/{p.Total:N0} ({percent:F0}%)");
        var done = p.Done - _startDone;
        // A rate of a few items ("saving 2/2, 9 saving/s") says nothing; tokens, features and epochs are many.
        if (done <= 0 || elapsed <= TimeSpan.Zero || p.Total < 100) return line;
        var rate = done / elapsed.TotalSeconds;
        var remaining = TimeSpan.FromSeconds(Math.Max(0, p.Total - p.Done) / rate);
        return p.Done >= p.Total
            ? string.Create(CultureInfo.InvariantCulture, $"{line}, {rate:N0} {p.Stage}/s, took {Clock(elapsed)}")
            : string.Create(CultureInfo.InvariantCulture, $"{line}, {rate:N0} {p.Stage}/s, ETA {Clock(remaining)}");
    }

    private static string Clock(TimeSpan t) => t.ToString(t.TotalHours >= 1 ? @"h\:mm\:ss" : @"mm\:ss", CultureInfo.InvariantCulture);
}
