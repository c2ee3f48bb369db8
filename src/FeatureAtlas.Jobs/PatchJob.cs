using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Activation patching (<see cref="PatchingWork"/>) as a resumable job: the cells run in steps with progress
/// ("cells" done of total), and every <see cref="PatchJobOptions.CheckpointInterval"/>, on cancellation and before the
/// result is returned the values so far are checkpointed; a run of the same inputs continues from there and gives the
/// same result as an uninterrupted one. The work function takes a model and SAEs already loaded and touches no store
/// or host, so any job engine (or a plain call) can host it; the checkpoint is deleted once the result is returned.
/// </summary>
public static class PatchJob
{
    private const string Magic = "FeatureAtlas patch checkpoint v1";

    public static Task<PatchingResult> RunAsync(PatchJobOptions options, Gpt2Model model, IReadOnlyList<SparseAutoencoder> saes,
        IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(saes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.CellsPerStep);
        var work = PatchingWork.Prepare(model, options.Clean, options.Corrupted, options.Target, options.Distractor, saes);
        var key = JobKey(options, model, saes);
        Directory.CreateDirectory(options.CheckpointDirectory);
        var path = Path.Combine(options.CheckpointDirectory, $"patch-{key}.ckpt");
        var values = new float[work.CellCount];
        var done = File.Exists(path) ? Restore(path, key, values) : 0;

        progress?.Report(new JobProgress("cells", done, work.CellCount));
        var lastCheckpoint = DateTime.UtcNow;
        try
        {
            while (done < work.CellCount)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(options.CellsPerStep, work.CellCount - done);
                work.RunCells(done, count, values, cancellationToken: cancellationToken);
                done += count;
                progress?.Report(new JobProgress("cells", done, work.CellCount));
                if (DateTime.UtcNow - lastCheckpoint >= options.CheckpointInterval && done < work.CellCount)
                {
                    Save(path, key, done, values);
                    lastCheckpoint = DateTime.UtcNow;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Save(path, key, done, values);
            throw;
        }
        var result = work.Assemble(values);
        File.Delete(path);
        return Task.FromResult(result);
    }

    /// <summary>A hash of everything the cells depend on, so a checkpoint is only resumed by the same patching.</summary>
    private static string JobKey(PatchJobOptions options, Gpt2Model model, IReadOnlyList<SparseAutoencoder> saes) => JobCheckpoint.Key(new
    {
        model = model.Directory is null ? model.Name : Path.GetFullPath(model.Directory),
        weights = model.Directory is null ? "memory" : JobCheckpoint.Stamp(Path.Combine(model.Directory, "model.safetensors")),
        config = model.Config,
        processing = model.Processing.ToString(),
        saes = saes.Select(s => new
        {
            s.Name,
            cfg = s.Config.Json.ToJsonString(),
            weights = s.Directory is null ? "memory" : JobCheckpoint.Stamp(Path.Combine(s.Directory, "sae_weights.safetensors")),
        }),
        options.Clean, options.Corrupted, options.Target, options.Distractor,
    });

    private static void Save(string path, string key, int done, float[] values) =>
        JobCheckpoint.Write(path, Magic, key, writer =>
        {
            writer.Write(done);
            writer.Write(values.Length);
            foreach (var v in values) writer.Write(v);
        });

    private static int Restore(string path, string key, float[] values) =>
        JobCheckpoint.Read(path, Magic, key, "this patching job", reader =>
        {
            var done = reader.ReadInt32();
            var count = reader.ReadInt32();
            if (count != values.Length || done < 0 || done > count)
            {
                throw new InvalidDataException($"Checkpoint {path} holds {count} cells ({done} done); this patching has {values.Length}. Delete it to start over.");
            }
            for (var i = 0; i < count; i++) values[i] = reader.ReadSingle();
            return done;
        });
}
