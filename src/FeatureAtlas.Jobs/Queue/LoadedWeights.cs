using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Jobs.Queue;

/// <summary>
/// The model a worker process loaded last, kept for its next shard: a sharded build hands one worker many shards of the
/// same job, and loading GPT-2 small again for each (0.5 GB read, processed and packed) was a fixed cost of every shard.
/// Keyed by folder, processing and the weight file's size and time, so changed weights are loaded again; only the last
/// model is kept. A model is safe for concurrent forward passes and nothing changes it, so shards running at once in
/// one process share it. SAEs are not kept: a dashboard build folds its SAEs' decoder norms in place.
/// </summary>
public sealed class LoadedWeights
{
    private readonly Lock _gate = new();
    private (string Key, Gpt2Model Model)? _model;

    public Gpt2Model Model(string directory, WeightProcessing processing)
    {
        ArgumentNullException.ThrowIfNull(processing);
        var key = $"{Path.GetFullPath(directory)}|{processing}|{JobCheckpoint.Stamp(Path.Combine(directory, "model.safetensors"))}";
        lock (_gate)
        {
            if (_model is { } kept && kept.Key == key) return kept.Model;
        }
        var model = Gpt2Model.Load(directory, processing);
        lock (_gate) _model = (key, model);
        return model;
    }
}
