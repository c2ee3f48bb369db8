using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Jobs.Queue;

/// <summary>
/// Progress of a running job: passed on at once to an in-process listener, and written to the job's record at
/// most once a second (and at the end), so a page or <c>atlas jobs wait</c> elsewhere sees it live.
/// </summary>
internal sealed class JobProgressWriter(IJobStore jobs, long id, IProgress<JobProgress>? listener) : IProgress<JobProgress>, IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private JobProgress? _latest;
    private DateTime _written = DateTime.MinValue;
    private Task _writing = Task.CompletedTask;

    public void Report(JobProgress value)
    {
        listener?.Report(value);
        lock (_gate)
        {
            _latest = value;
            if (DateTime.UtcNow - _written < Interval || !_writing.IsCompleted) return;
            _written = DateTime.UtcNow;
            _writing = WriteAsync(value);
        }
    }

    private async Task WriteAsync(JobProgress value)
    {
        try
        {
            await jobs.ReportProgressAsync(id, value.Stage, value.Done, value.Total, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Progress is advisory: a dropped connection must not fail the work; the next report tries again.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task writing;
        JobProgress? latest;
        lock (_gate)
        {
            writing = _writing;
            latest = _latest;
        }
        await writing.ConfigureAwait(false);
        if (latest is { } last) await WriteAsync(last).ConfigureAwait(false);
    }
}
