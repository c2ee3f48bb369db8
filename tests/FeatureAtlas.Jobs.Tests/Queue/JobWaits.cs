using System.Diagnostics;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Jobs.Tests.Queue;

/// <summary>Polling waits for the queue tests: a job's end, or any condition, failing the test after three minutes.</summary>
internal static class JobWaits
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(180);

    /// <summary>The job's record once it has finished.</summary>
    public static async Task<JobRecord> FinishedAsync(IJobStore jobs, long id)
    {
        JobRecord? job = null;
        await Until(async () => (job = await jobs.GetJobAsync(id, CancellationToken.None))!.IsFinished);
        return job!;
    }

    public static async Task Until(Func<Task<bool>> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < Limit, $"Not reached within {Limit.TotalSeconds} s.");
            await Task.Delay(50);
        }
    }
}
