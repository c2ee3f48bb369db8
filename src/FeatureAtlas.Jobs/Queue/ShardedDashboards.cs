using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Storage;
using Hangfire;

namespace FeatureAtlas.Jobs.Queue;

/// <summary>
/// A dashboard build split across workers. The corpus windows are cut into shards; each shard runs the model over its
/// windows and keeps its own accumulator state, saved whole into its row (<see cref="IJobStore.SaveShardAsync"/>):
/// every few seconds, when its worker is told to stop, and when done. A shard whose worker died is run again by
/// another and resumes from its last save, replacing it, so no window is counted twice. Beside the corpus shards, the
/// features' logit tables are computed in pieces of their own (<see cref="LogitPieces"/>), so that no worker computes
/// them after the last shard. When the last shard or piece is done
/// its worker merges every shard's state (<see cref="DashboardBuilder.MergeCheckpoint"/>, exact because the
/// accumulator does not depend on window order) and stores the dashboards as a single-process build would: the same
/// rows, the same export. Cancelling leaves an SAE's previous dashboards in place: nothing is stored before the merge.
/// </summary>
public static class ShardedDashboards
{
    public const string Kind = "dashboards";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>
    /// Records a sharded build of <paramref name="options"/> in <paramref name="shards"/> corpus shards (fewer when the corpus
    /// has fewer windows) and its logit pieces (<see cref="LogitPieces.Count"/>, from the SAEs' widths in their cfg.json)
    /// and, with a <paramref name="client"/>, hands them to the job engine; returns the job. Model and SAE folders are
    /// stored as absolute paths: every worker must see them there (a shared folder).
    /// </summary>
    public static async Task<JobRecord> EnqueueAsync(DashboardJobOptions options, int shards, int? userId, IJobStore jobs, ICorpusStore corpora,
        IBackgroundJobClient? client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchWindows);
        options.Dashboard.Validate();
        if (options.SaeDirectories.Count == 0) throw new ArgumentException("Give at least one SAE.");
        var corpus = await DashboardJob.CorpusAsync(options, corpora, cancellationToken).ConfigureAwait(false);
        var windows = DashboardJob.Windows(options, corpus);
        var absolute = options with
        {
            ModelDirectory = Path.GetFullPath(options.ModelDirectory),
            SaeDirectories = options.SaeDirectories.Select(Path.GetFullPath).ToArray(),
            CheckpointDirectory = "",
        };
        var widths = absolute.SaeDirectories.Select(d => Core.Transcoders.Transcoder.LoadFeaturesConfig(d).DSae);
        var pieces = Split(windows, Math.Min(shards, windows)).Concat(LogitPieces.Rows(LogitPieces.Count(widths))).ToArray();
        var title = $"dashboards of {string.Join(", ", absolute.SaeDirectories.Select(Path.GetFileName))} over {corpus.Name} ({windows:N0} windows)";
        var job = await jobs.CreateJobAsync(Kind, JsonSerializer.Serialize(absolute, Json), userId, title, pieces, null, null, cancellationToken).ConfigureAwait(false);
        if (client is not null) JobRunner.EnqueueShards(job, client);   // the logit pieces after the shards: the last work of a job is short
        return job;
    }

    /// <summary>Windows [0, windows) in <paramref name="shards"/> contiguous pieces whose sizes differ by at most one.</summary>
    public static IReadOnlyList<(int First, int Count)> Split(int windows, int shards)
    {
        var pieces = new (int, int)[shards];
        var first = 0;
        for (var i = 0; i < shards; i++)
        {
            var count = windows / shards + (i < windows % shards ? 1 : 0);
            pieces[i] = (first, count);
            first += count;
        }
        return pieces;
    }

    /// <summary>Computes one shard or logit piece of <paramref name="job"/> (unfinished when read), and merges the build when it was the last.</summary>
    internal static async Task RunShardAsync(JobServices services, JobRecord job, int shard, CancellationToken cancellationToken)
    {
        var jobs = services.Jobs;
        if (!await jobs.StartJobAsync(job.Id, services.Worker, cancellationToken).ConfigureAwait(false)) return;
        var options = Options(job);
        await using var heartbeat = new JobHeartbeat(jobs, job.Id);
        var piece = await jobs.StartShardAsync(job.Id, shard, services.Worker, cancellationToken).ConfigureAwait(false);
        DashboardBuilder? computed = null;
        if (!piece.Done)
        {
            computed = LogitPieces.Is(piece)
                ? await ComputeLogitsAsync(services, job, options, piece, cancellationToken).ConfigureAwait(false)
                : await ComputeAsync(services, job, options, piece, cancellationToken).ConfigureAwait(false);
            if (computed is null) return;   // cancelled
        }
        var shards = await jobs.ListShardsAsync(job.Id, cancellationToken).ConfigureAwait(false);
        if (shards.All(s => s.Done))
        {
            await MergeAsync(services, job, options, shards, computed is null ? null : (computed, shard), cancellationToken).ConfigureAwait(false);
        }
        else if (computed is not null)
        {
            services.Weights.KeepBuilder(job.Id, computed);
        }
    }

    private static DashboardJobOptions Options(JobRecord job) =>
        JsonSerializer.Deserialize<DashboardJobOptions>(job.OptionsJson, Json) ?? throw new InvalidDataException($"Job {job.Id} has no options.");

    /// <summary>
    /// Runs the shard's remaining windows, saving as it goes; returns the builder, holding exactly the state saved as
    /// done, or null when the job was cancelled meanwhile.
    /// </summary>
    private static async Task<DashboardBuilder?> ComputeAsync(JobServices services, JobRecord job, DashboardJobOptions options, JobShardRecord piece, CancellationToken cancellationToken)
    {
        var (builder, config, corpus) = await BuilderAsync(services, job, options, null, cancellationToken).ConfigureAwait(false);
        // An empty builder that takes in the saved state holds exactly what the saving one held.
        var resumed = piece.Next > piece.First && await services.Jobs.ReadShardStateAsync(job.Id, piece.Shard, builder.MergeCheckpoint, cancellationToken).ConfigureAwait(false);
        var next = resumed ? piece.Next : piece.First;
        var end = piece.First + piece.Count;
        var pacer = new CheckpointPacer(services.ShardSaveInterval);
        var checkedCancel = Stopwatch.StartNew();
        try
        {
            while (next < end)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (checkedCancel.Elapsed >= services.CancelCheckInterval)
                {
                    if ((await services.Jobs.GetJobAsync(job.Id, cancellationToken).ConfigureAwait(false))?.IsFinished != false) return null;
                    checkedCancel.Restart();
                }
                var count = Math.Min(options.BatchWindows, end - next);
                var batch = await services.Corpora.ReadWindowsAsync(corpus.Name, next, count, cancellationToken).ConfigureAwait(false);
                DashboardJob.AddBatch(builder, batch, next, corpus.Name, config.Vocab);
                next += batch.Count;
                if (pacer.Due && next < end)
                {
                    var at = next;
                    await pacer.WriteAsync(() => SaveAsync(services, job.Id, piece.Shard, at, false, builder, cancellationToken)).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // This worker is stopping (SIGTERM): keep what the shard has done for whoever runs it next.
            await SaveAsync(services, job.Id, piece.Shard, next, false, builder, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        await SaveAsync(services, job.Id, piece.Shard, end, true, builder, cancellationToken).ConfigureAwait(false);
        return builder;
    }

    /// <summary>
    /// Computes a logit piece and saves it as done; returns the builder whose model and SAEs it used (no windows in it),
    /// or null when the job was cancelled meanwhile.
    /// </summary>
    private static async Task<DashboardBuilder?> ComputeLogitsAsync(JobServices services, JobRecord job, DashboardJobOptions options, JobShardRecord piece, CancellationToken cancellationToken)
    {
        var (builder, _, _) = await BuilderAsync(services, job, options, null, cancellationToken).ConfigureAwait(false);
        var pieces = (await services.Jobs.ListShardsAsync(job.Id, cancellationToken).ConfigureAwait(false)).Count(LogitPieces.Is);
        if ((await services.Jobs.GetJobAsync(job.Id, cancellationToken).ConfigureAwait(false))?.IsFinished != false) return null;
        var stream = SaveBuffers.GetValue(builder, _ => new MemoryStream());
        stream.SetLength(0);
        await Task.Run(() => LogitPieces.Write(stream, builder.Model, builder.Saes, options.Dashboard, piece.First, pieces), cancellationToken).ConfigureAwait(false);
        await services.Jobs.SaveShardAsync(job.Id, piece.Shard, piece.First, true, stream.GetBuffer().AsMemory(0, (int)stream.Length), cancellationToken).ConfigureAwait(false);
        return builder;
    }

    /// <summary>
    /// A builder for <paramref name="job"/>, with the model's config and the corpus: <paramref name="own"/> when given (a
    /// builder this worker holds), else the empty one this worker's last shard of the job left
    /// (<see cref="LoadedWeights.TakeBuilder"/>), else a new one over the job's model and SAEs.
    /// </summary>
    private static async Task<(DashboardBuilder Builder, Gpt2Config Config, Core.Corpora.CorpusInfo Corpus)> BuilderAsync(JobServices services, JobRecord job,
        DashboardJobOptions options, DashboardBuilder? own, CancellationToken cancellationToken)
    {
        if ((own ?? services.Weights.TakeBuilder(job.Id)) is { } kept)
        {
            var corpus = await DashboardJob.CorpusAsync(options, services.Corpora, cancellationToken).ConfigureAwait(false);
            return (kept, kept.Model.Config, corpus);
        }
        var (config, saes, processing, corpusInfo, _) = await DashboardJob.PrepareAsync(options, services.Corpora, cancellationToken).ConfigureAwait(false);
        var model = services.Weights.Model(options.ModelDirectory, processing);
        return (new DashboardBuilder(model, saes, options.Dashboard), config, corpusInfo);
    }

    /// <summary>
    /// Each builder's save buffer, kept as long as the builder is (a worker keeps its builder for the job's next
    /// shard): a state of a few hundred MB is written into the memory the last save grew, and handed to the store
    /// where it lies, instead of growing a new stream by doubling and copying it out whole on every save.
    /// </summary>
    private static readonly ConditionalWeakTable<DashboardBuilder, MemoryStream> SaveBuffers = new();

    private static async Task SaveAsync(JobServices services, long jobId, int shard, int next, bool done, DashboardBuilder builder, CancellationToken cancellationToken)
    {
        var stream = SaveBuffers.GetValue(builder, _ => new MemoryStream());
        stream.SetLength(0);
        builder.WriteCheckpoint(stream);
        await services.Jobs.SaveShardAsync(jobId, shard, next, done, stream.GetBuffer().AsMemory(0, (int)stream.Length), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Merges every shard's state, gathers the logit pieces and stores the dashboards; a second merger (two shards ending
    /// together) stores the same rows, its correlation tables up to float rounding (its sums are added in another order).
    /// The worker that just finished the last shard merges the others into that shard's builder (<paramref name="own"/>),
    /// which holds what it saved, rather than emptying it and reading its own state back from the store; after a logit
    /// piece, its builder holds no windows and every shard is read.
    /// </summary>
    private static async Task MergeAsync(JobServices services, JobRecord job, DashboardJobOptions options, IReadOnlyList<JobShardRecord> shards,
        (DashboardBuilder Builder, int Shard)? own, CancellationToken cancellationToken)
    {
        var jobs = services.Jobs;
        var (builder, config, corpus) = await BuilderAsync(services, job, options, own?.Builder, cancellationToken).ConfigureAwait(false);
        var model = builder.Model;
        var corpusShards = shards.Where(s => !LogitPieces.Is(s)).ToList();
        var logitPieces = shards.Where(LogitPieces.Is).ToList();
        await jobs.ReportProgressAsync(job.Id, "merging", 0, corpusShards.Count, cancellationToken).ConfigureAwait(false);
        foreach (var shard in corpusShards)
        {
            if (shard.Shard == own?.Shard) continue;
            if (!await jobs.ReadShardStateAsync(job.Id, shard.Shard, builder.MergeCheckpoint, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidDataException($"Shard {shard.Shard} of job {job.Id} is marked done but holds no state.");
            }
            await jobs.ReportProgressAsync(job.Id, "merging", shard.Shard + 1, corpusShards.Count, cancellationToken).ConfigureAwait(false);
        }
        IReadOnlyList<Core.Dashboards.LogitTable[]?>? logits = null;   // a job enqueued before logit pieces computes them in the build
        if (logitPieces.Count > 0)
        {
            var assembly = new LogitPieces.Assembly(builder.Saes, logitPieces.Count, $"job {job.Id}");
            foreach (var piece in logitPieces)
            {
                if (!await jobs.ReadShardStateAsync(job.Id, piece.Shard, assembly.Read, cancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidDataException($"Logit piece {piece.Shard} of job {job.Id} is marked done but holds no state.");
                }
            }
            logits = assembly.Tables();
        }
        if ((await jobs.GetJobAsync(job.Id, cancellationToken).ConfigureAwait(false))?.IsFinished != false) return;
        var modelName = options.ModelName ?? model.Name;
        await using (var progress = new JobProgressWriter(jobs, job.Id, null))
        {
            await DashboardJob.BuildAndStoreAsync(builder, options, modelName, config, corpus.Name, services.Models, services.Dashboards, progress, cancellationToken, logits).ConfigureAwait(false);
        }
        await jobs.FinishJobAsync(job.Id, JobStates.Succeeded, null, CancellationToken.None).ConfigureAwait(false);
    }
}
