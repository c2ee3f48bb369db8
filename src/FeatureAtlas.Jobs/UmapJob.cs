using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Similarity;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Transcoders;
using FeatureAtlas.Core.Umap;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Maps an SAE's decoder directions (unit W_dec rows, cosine) to 2-D with UMAP and stores one (x, y) per feature,
/// resumably (<see cref="CheckpointedUmap"/>): a stopped run started again with the same options continues and
/// ends with exactly the coordinates of an uninterrupted run. The checkpoint goes once the map is stored.
/// </summary>
public static class UmapJob
{
    public static async Task<UmapResult> RunAsync(UmapJobOptions options, IModelStore saes, IUmapStore maps, IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(saes);
        ArgumentNullException.ThrowIfNull(maps);
        options.Umap.Validate();
        var (record, sae) = await LoadAsync(saes, options.Model, options.Sae, cancellationToken).ConfigureAwait(false);
        var key = JobCheckpoint.Key(new { options.Model, options.Sae, path = Path.GetFullPath(record.Path!), stamp = Stamp(record), umap = options.Umap });
        Directory.CreateDirectory(options.CheckpointDirectory);
        var checkpoint = Path.Combine(options.CheckpointDirectory, $"umap-{key}.ckpt");

        var result = CheckpointedUmap.Run(() => SimilarFeatures.UnitDecoder(sae), sae.DSae, sae.DIn, checkpoint, key, options.Umap, options.CheckpointInterval, progress, cancellationToken);
        progress?.Report(new JobProgress("saving", 0, 1));
        await maps.SaveUmapAsync(options.Model, options.Sae, result.Coordinates, cancellationToken).ConfigureAwait(false);
        progress?.Report(new JobProgress("saving", 1, 1));
        File.Delete(checkpoint);
        return result;
    }

    /// <summary>The SAE's record and its weights, which must be on this machine: a map is made from the decoder.</summary>
    internal static async Task<(SaeRecord Record, SparseAutoencoder Sae)> LoadAsync(IModelStore saes, string model, string name, CancellationToken cancellationToken)
    {
        var record = await saes.GetSaeAsync(model, name, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"SAE '{name}' of model '{model}' is not in the store.");
        if (record.Path is null || !Directory.Exists(record.Path))
        {
            throw new DirectoryNotFoundException($"SAE '{name}' of model '{model}' has no weights folder on this machine ('{record.Path}'); the map is made from its decoder.");
        }
        return (record, Transcoder.LoadFeatures(record.Path));
    }

    /// <summary>The weights file's size and time, so a checkpoint is not resumed after the SAE changed.</summary>
    internal static string Stamp(SaeRecord sae) => JobCheckpoint.Stamp(Path.Combine(sae.Path!, "sae_weights.safetensors"));
}
