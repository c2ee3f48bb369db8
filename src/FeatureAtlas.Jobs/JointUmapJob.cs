using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Similarity;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Umap;

namespace FeatureAtlas.Jobs;

/// <summary>
/// One UMAP of the features of several SAEs of a model: their unit decoder rows (cosine) concatenated, SAE by SAE,
/// and embedded together, so that similar directions of different SAEs land close together; stored as a named
/// joint map. The SAEs must share d_in and come from one model (their cfg.json model_name, where given).
/// Resumable as <see cref="UmapJob"/> is (<see cref="CheckpointedUmap"/>).
/// </summary>
public static class JointUmapJob
{
    public static async Task<UmapResult> RunAsync(JointUmapJobOptions options, IModelStore saes, IUmapStore maps, IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(saes);
        ArgumentNullException.ThrowIfNull(maps);
        options.Umap.Validate();
        JointUmapSaes.Check(options.Saes, nameof(options));
        var name = options.MapName;
        JointUmapName.Check(name);

        // Every SAE is loaded and checked before any work; only their unit decoders are kept.
        var records = new List<SaeRecord>();
        var parts = new List<float[]>();
        (string Name, SparseAutoencoder Weights)? first = null;
        foreach (var sae in options.Saes)
        {
            var (record, weights) = await UmapJob.LoadAsync(saes, options.Model, sae, cancellationToken).ConfigureAwait(false);
            first ??= (sae, weights);
            Check(first.Value, (sae, weights));
            records.Add(record);
            parts.Add(SimilarFeatures.UnitDecoder(weights));
        }
        int d = first!.Value.Weights.DIn, n = checked((int)(parts.Sum(p => (long)p.Length) / d));

        var key = JobCheckpoint.Key(new
        {
            options.Model, name, umap = options.Umap,
            saes = records.Select(r => new { r.Name, path = Path.GetFullPath(r.Path!), stamp = UmapJob.Stamp(r) }).ToArray(),
        });
        Directory.CreateDirectory(options.CheckpointDirectory);
        var checkpoint = Path.Combine(options.CheckpointDirectory, $"umap-joint-{key}.ckpt");

        var result = CheckpointedUmap.Run(() => Concatenate(parts), n, d, checkpoint, key, options.Umap, options.CheckpointInterval, progress, cancellationToken);
        progress?.Report(new JobProgress("saving", 0, 1));
        await maps.SaveJointUmapAsync(options.Model, name, options.Saes, result.Coordinates, cancellationToken).ConfigureAwait(false);
        progress?.Report(new JobProgress("saving", 1, 1));
        File.Delete(checkpoint);
        return result;
    }

    /// <summary>Directions are comparable only in one space: the same d_in of the same model.</summary>
    private static void Check((string Name, SparseAutoencoder Weights) first, (string Name, SparseAutoencoder Weights) sae)
    {
        if (sae.Weights.DIn != first.Weights.DIn)
        {
            throw new ArgumentException($"SAEs of a joint map must share d_in: '{first.Name}' has d_in {first.Weights.DIn}, '{sae.Name}' has d_in {sae.Weights.DIn}.");
        }
        if (first.Weights.Config.ModelName is { } a && sae.Weights.Config.ModelName is { } b && a != b)
        {
            throw new ArgumentException($"SAEs of a joint map must come from one model: '{first.Name}' is an SAE of '{a}', '{sae.Name}' of '{b}' (cfg.json model_name).");
        }
    }

    /// <summary>The parts end to end [Σ d_sae, d]; the list is emptied, so each part can go once copied.</summary>
    private static float[] Concatenate(List<float[]> parts)
    {
        var all = new float[parts.Sum(p => (long)p.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(all.AsSpan(offset));
            offset += part.Length;
        }
        parts.Clear();
        return all;
    }
}
