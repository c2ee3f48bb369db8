using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Jobs.Queue;

/// <summary>
/// What a worker process loaded for its last shard, kept for its next one: a sharded build hands one worker many shards
/// of the same job.
/// <list type="bullet">
/// <item>The model: loading GPT-2 small again for each shard (0.5 GB read, processed and packed) was a fixed cost of
/// every shard. Keyed by folder, processing and the weight file's size and time, so changed weights are loaded again;
/// only the last model is kept. A model is safe for concurrent forward passes and nothing changes it, so shards
/// running at once in one process share it.</item>
/// <item>The dashboard builder of the last finished shard, emptied (<see cref="DashboardBuilder.Reset"/>), with its SAEs
/// (loaded and folded) and the memory of its sums (1.35 GB at 24,576 features): a fresh one for every shard cost a
/// worker more CPU than a shard's saves. Keyed by job, whose SAEs do not change while it runs; taken by one shard at a
/// time, and dropped when a shard of another job asks.</item>
/// </list>
/// </summary>
public sealed class LoadedWeights
{
    private readonly Lock _gate = new();
    private (string Key, Gpt2Model Model)? _model;
    private (long Job, DashboardBuilder Builder)? _builder;

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

    /// <summary>The empty builder a finished shard of <paramref name="job"/> left, now this caller's; null when there is none.</summary>
    public DashboardBuilder? TakeBuilder(long job)
    {
        lock (_gate)
        {
            var kept = _builder;
            _builder = null;   // another job's builder is dropped here, before its successor allocates
            return kept is { } k && k.Job == job ? k.Builder : null;
        }
    }

    /// <summary>Empties <paramref name="builder"/>, which its caller no longer uses, and keeps it for the next shard of <paramref name="job"/>.</summary>
    public void KeepBuilder(long job, DashboardBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Reset();
        lock (_gate) _builder = (job, builder);
    }
}
