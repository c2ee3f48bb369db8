using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Transcoders;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Builds and stores the dashboards of every feature of one or more SAEs over a stored corpus, resumably:
/// the builder's state is checkpointed atomically (temp file, then rename) every interval (longer when a checkpoint
/// is slow to write: <see cref="CheckpointPacer"/>) and on
/// cancellation, so a run killed at any moment (SIGKILL included) and started again with the same options
/// continues from its last checkpoint and produces exactly what an uninterrupted run would. The checkpoint
/// is deleted only after the dashboards are committed.
/// </summary>
public static class DashboardJob
{
    private const string Magic = "FeatureAtlas dashboard checkpoint v2";

    public static async Task<IReadOnlyList<SaeDashboards>> RunAsync(DashboardJobOptions options, ICorpusStore corpora, IModelStore models, IDashboardStore store,
        IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(corpora);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchWindows);
        options.Dashboard.Validate();

        var (config, saes, processing, corpus, windows) = await PrepareAsync(options, corpora, cancellationToken).ConfigureAwait(false);

        var model = Gpt2Model.Load(options.ModelDirectory, processing);
        var modelName = options.ModelName ?? model.Name;
        var key = JobKey(options, config, saes, corpus, windows, processing);
        Directory.CreateDirectory(options.CheckpointDirectory);
        var checkpointPath = Path.Combine(options.CheckpointDirectory, $"dashboards-{key}.ckpt");

        var (builder, next) = File.Exists(checkpointPath)
            ? Restore(checkpointPath, key, model, saes, options.Dashboard)
            : (new DashboardBuilder(model, saes, options.Dashboard), 0);

        var pacer = new CheckpointPacer(options.CheckpointInterval);
        progress?.Report(new JobProgress("tokens", builder.Tokens, (long)windows * corpus.Context));
        try
        {
            while (next < windows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(options.BatchWindows, windows - next);
                var batch = await corpora.ReadWindowsAsync(corpus.Name, next, count, cancellationToken).ConfigureAwait(false);
                AddBatch(builder, batch, next, corpus.Name, config.Vocab);
                next += batch.Count;
                progress?.Report(new JobProgress("tokens", builder.Tokens, (long)windows * corpus.Context));
                if (pacer.Due && next < windows) pacer.Write(() => WriteCheckpoint(checkpointPath, key, next, builder));
            }
        }
        catch (OperationCanceledException)
        {
            WriteCheckpoint(checkpointPath, key, next, builder);
            throw;
        }
        // All windows are in: keep that fact, so a crash while building or saving does not redo the pass.
        WriteCheckpoint(checkpointPath, key, next, builder);

        var results = await BuildAndStoreAsync(builder, options, modelName, config, corpus.Name, models, store, progress, cancellationToken).ConfigureAwait(false);
        File.Delete(checkpointPath);
        return results;
    }

    /// <summary>The inputs of a build, every one checked before any forward pass: model config, SAEs, processing, corpus and windows to read.</summary>
    internal static async Task<(Gpt2Config Config, List<SparseAutoencoder> Saes, WeightProcessing Processing, Core.Corpora.CorpusInfo Corpus, int Windows)> PrepareAsync(
        DashboardJobOptions options, ICorpusStore corpora, CancellationToken cancellationToken)
    {
        var config = Gpt2Config.Load(Path.Combine(options.ModelDirectory, "config.json"));
        var saes = options.SaeDirectories.Select(Transcoder.LoadFeatures).ToList();
        if (saes.Count == 0) throw new ArgumentException("Give at least one SAE.");
        foreach (var sae in saes) sae.CheckFits(config);
        var processing = options.Processing ?? InferenceSession.ProcessingFor(saes);
        var corpus = await CorpusAsync(options, corpora, cancellationToken).ConfigureAwait(false);
        return (config, saes, processing, corpus, Windows(options, corpus));
    }

    internal static async Task<Core.Corpora.CorpusInfo> CorpusAsync(DashboardJobOptions options, ICorpusStore corpora, CancellationToken cancellationToken) =>
        await corpora.GetCorpusAsync(options.Corpus, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"No corpus named '{options.Corpus}'; add it with `atlas corpus add`.");

    /// <summary>The corpus windows a build reads: whole windows covering the tokens asked for, capped by the corpus.</summary>
    internal static int Windows(DashboardJobOptions options, Core.Corpora.CorpusInfo corpus)
    {
        var windows = (int)Math.Min(corpus.Windows, (options.Tokens + corpus.Context - 1) / corpus.Context);
        if (windows == 0) throw new InvalidDataException($"Corpus '{corpus.Name}' has no windows.");
        return windows;
    }

    /// <summary>
    /// Builds the dashboards from everything the builder holds and stores them, each SAE's in one transaction; with
    /// <paramref name="logits"/>, the logit tables computed elsewhere (<see cref="DashboardBuilder.Build"/>).
    /// </summary>
    internal static async Task<IReadOnlyList<SaeDashboards>> BuildAndStoreAsync(DashboardBuilder builder, DashboardJobOptions options, string modelName, Gpt2Config config,
        string corpus, IModelStore models, IDashboardStore store, IProgress<JobProgress>? progress, CancellationToken cancellationToken,
        IReadOnlyList<LogitTable[]?>? logits = null)
    {
        var saes = builder.Saes;
        progress?.Report(new JobProgress("building", 0, saes.Count));
        var results = builder.Build(logits);
        progress?.Report(new JobProgress("saving", 0, saes.Count));
        await models.UpsertModelAsync(new ModelRecord(modelName, Path.GetFullPath(options.ModelDirectory),
            File.ReadAllText(Path.Combine(options.ModelDirectory, "config.json")), config.Layers, config.DModel, config.Vocab), cancellationToken).ConfigureAwait(false);
        if (options.SetName is not null && options.SetDescription is not null)
        {
            await models.UpsertSourceSetAsync(modelName, options.SetName, options.SetDescription, cancellationToken).ConfigureAwait(false);
        }
        for (var i = 0; i < saes.Count; i++)
        {
            var sae = saes[i];
            await models.UpsertSaeAsync(SaeRecord.Of(modelName, sae, sae.Directory, options.SetName), cancellationToken).ConfigureAwait(false);
            await store.SaveDashboardsAsync(modelName, sae.Name, corpus, options.Dashboard, results[i], cancellationToken).ConfigureAwait(false);
            progress?.Report(new JobProgress("saving", i + 1, saes.Count));
        }
        return results;
    }

    /// <summary>Runs windows through the builder, splitting the batch where window lengths change.</summary>
    internal static void AddBatch(DashboardBuilder builder, IReadOnlyList<int[]> batch, int first, string corpus, int vocab)
    {
        var start = 0;
        while (start < batch.Count)
        {
            var length = batch[start].Length;
            var end = start;
            while (end < batch.Count && batch[end].Length == length) end++;
            var tokens = new int[(end - start) * length];
            var indexes = new int[end - start];
            for (var w = start; w < end; w++)
            {
                var window = batch[w];
                for (var t = 0; t < window.Length; t++)
                {
                    if ((uint)window[t] >= (uint)vocab)
                    {
                        throw new InvalidDataException($"Corpus '{corpus}' window {first + w} has token id {window[t]}, outside this model's vocabulary of {vocab}.");
                    }
                }
                window.CopyTo(tokens, (w - start) * length);
                indexes[w - start] = first + w;
            }
            builder.Add(tokens, indexes, length);
            start = end;
        }
    }

    /// <summary>A hash of everything that determines the result, so a checkpoint is only resumed by the same job.</summary>
    private static string JobKey(DashboardJobOptions options, Gpt2Config config, IReadOnlyList<SparseAutoencoder> saes, Core.Corpora.CorpusInfo corpus, int windows, WeightProcessing processing)
    {
        var identity = new
        {
            model = Path.GetFullPath(options.ModelDirectory),
            weights = JobCheckpoint.Stamp(Path.Combine(options.ModelDirectory, "model.safetensors")),
            config,
            processing = processing.ToString(),
            saes = saes.Select(s => new { s.Name, cfg = s.Config.Json.ToJsonString(), weights = JobCheckpoint.Stamp(Path.Combine(s.Directory!, "sae_weights.safetensors")) }),
            corpus = new { corpus.Name, corpus.Windows, corpus.Tokens, created = corpus.CreatedAt.UtcTicks },
            windows,
            options = options.Dashboard,
            options.BatchWindows,
        };
        return JobCheckpoint.Key(identity);
    }

    private static void WriteCheckpoint(string path, string key, int next, DashboardBuilder builder) =>
        JobCheckpoint.Write(path, Magic, key, writer =>
        {
            writer.Write(next);
            writer.Flush();
            builder.WriteCheckpoint(writer.BaseStream);
        });

    private static (DashboardBuilder Builder, int Next) Restore(string path, string key, Gpt2Model model, IReadOnlyList<SparseAutoencoder> saes, DashboardOptions options) =>
        JobCheckpoint.Read(path, Magic, key, "this job", reader =>
        {
            var next = reader.ReadInt32();
            return (DashboardBuilder.Restore(reader.BaseStream, model, saes, options), next);
        });
}
