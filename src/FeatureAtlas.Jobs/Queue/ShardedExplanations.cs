using System.Text.Json;
using FeatureAtlas.Core.Storage;
using Hangfire;

namespace FeatureAtlas.Jobs.Queue;

/// <summary>
/// An explain run split across workers by feature range. Each shard is <see cref="ExplainJob"/> over its own features:
/// explanations are stored a batch at a time, replacing the same method's earlier ones, and the run's checkpoint file
/// (in the options' checkpoint folder, which workers share) records the next feature, so a shard cut off continues
/// where it was on whichever worker takes it, and a batch done twice stores the same rows. No merge is needed: the
/// worker that finishes the last shard marks the job done. A cancel stops the running shards within a second or so.
/// </summary>
public static class ShardedExplanations
{
    /// <summary>
    /// Records an explain run of <paramref name="options"/> (its feature range, or the SAE's whole width) in
    /// <paramref name="shards"/> contiguous ranges (fewer when there are fewer features) and, with a
    /// <paramref name="client"/>, hands them to the job engine; returns the job.
    /// </summary>
    public static async Task<JobRecord> EnqueueAsync(ExplainJobOptions options, int shards, int? userId, IJobStore jobs, IModelStore models,
        IBackgroundJobClient? client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        if (options.LlmStyle is not null) throw new ArgumentException("Workers run the offline explainer only: an LLM run needs its endpoint and key where it runs.");
        var sae = await models.GetSaeAsync(options.Model, options.Sae, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"SAE '{options.Sae}' of model '{options.Model}' is not in the store.");
        if (options.First >= sae.DSae) throw new ArgumentOutOfRangeException(nameof(options), $"Feature {options.First} is past the SAE's {sae.DSae:N0} features.");
        var end = (int)Math.Min(sae.DSae, options.Count is { } count ? (long)options.First + count : sae.DSae);
        var features = end - options.First;
        var pieces = ShardedDashboards.Split(features, Math.Min(shards, features)).Select(p => (p.First + options.First, p.Count)).ToArray();
        var shared = options with { CheckpointDirectory = Path.GetFullPath(options.CheckpointDirectory) };
        var title = $"explanations of {options.Model}/{options.Sae}, features {options.First:N0}-{end - 1:N0}";
        var job = await jobs.CreateJobAsync(WholeJobs.Explain, JsonSerializer.Serialize(shared), userId, title, pieces, null, null, cancellationToken).ConfigureAwait(false);
        if (client is not null) JobRunner.EnqueueShards(job, client);
        return job;
    }

    /// <summary>Explains one shard's features (with <paramref name="cancellationToken"/> also cancelled by a cancel of the job); finishes the job after its last shard.</summary>
    internal static async Task RunShardAsync(JobServices services, JobRecord job, int shard, CancellationToken cancellationToken)
    {
        var jobs = services.Jobs;
        if (!await jobs.StartJobAsync(job.Id, services.Worker, cancellationToken).ConfigureAwait(false)) return;
        var options = JsonSerializer.Deserialize<ExplainJobOptions>(job.OptionsJson) ?? throw new InvalidDataException($"Job {job.Id} has no options.");
        await using var heartbeat = new JobHeartbeat(jobs, job.Id);
        var piece = await jobs.StartShardAsync(job.Id, shard, services.Worker, cancellationToken).ConfigureAwait(false);
        if (!piece.Done)
        {
            var range = options with { First = piece.First, Count = piece.Count };
            var explanations = services.Explanations ?? throw new InvalidOperationException("This worker has no explanation store.");
            var progress = new ShardProgress(jobs, job.Id, piece);
            try
            {
                await ExplainJob.RunAsync(range, services.Corpora, services.Models, services.Dashboards, explanations, null, progress, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await progress.FlushAsync().ConfigureAwait(false);
            }
            await jobs.SaveShardAsync(job.Id, shard, piece.First + piece.Count, true, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }
        if ((await jobs.ListShardsAsync(job.Id, cancellationToken).ConfigureAwait(false)).All(s => s.Done))
        {
            await jobs.FinishJobAsync(job.Id, JobStates.Succeeded, null, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records the features a shard has explained in its row (the job's progress is its shards'), once per batch. The
    /// writes run one after another off the explaining thread; <see cref="FlushAsync"/> waits for the last, so that none
    /// lands after the shard is saved as done.
    /// </summary>
    private sealed class ShardProgress(IJobStore jobs, long job, JobShardRecord piece) : IProgress<JobProgress>
    {
        private readonly Lock _gate = new();
        private Task _last = Task.CompletedTask;

        public void Report(JobProgress value)
        {
            if (value.Stage != "features" || value.Done <= 0 || value.Done >= piece.Count) return;   // done is saved by the shard itself
            var next = piece.First + (int)value.Done;
            lock (_gate) _last = _last.ContinueWith(_ => jobs.SaveShardAsync(job, piece.Shard, next, false, ReadOnlyMemory<byte>.Empty, CancellationToken.None), TaskScheduler.Default).Unwrap();
        }

        /// <summary>Waits for the writes reported so far; progress is advisory, so a failed write is dropped (the next batch writes again).</summary>
        public async Task FlushAsync()
        {
            Task last;
            lock (_gate) last = _last;
            try
            {
                await last.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A dropped connection: the shard's own save, next, says where it is.
            }
        }
    }
}
