using FeatureAtlas.Core.Graphs;

namespace FeatureAtlas.Jobs;

/// <summary>
/// What <see cref="GraphJob"/> builds and where it stores it: a prompt through a stored model's stored transcoders
/// (one per block, by SAE name), pruned with circuit-tracer's thresholds, stored as (<see cref="Model"/>, <see cref="Slug"/>).
/// </summary>
public sealed record GraphJobOptions
{
    public required string Model { get; init; }

    public required string[] Transcoders { get; init; }

    public required string Prompt { get; init; }

    public required string Slug { get; init; }

    /// <summary>Who asked (the graph's owner); null from the command line.</summary>
    public int? UserId { get; init; }

    public double NodeThreshold { get; init; } = 0.8;

    public double EdgeThreshold { get; init; } = 0.98;

    public int MaxFeatureNodes { get; init; } = GraphOptions.MaxFeatureNodesLimit;

    public int MaxLogits { get; init; } = 10;

    public double DesiredLogitProbability { get; init; } = 0.95;

    /// <summary>Where the build's checkpoint lives (<see cref="GraphCheckpointFile"/>); null: <see cref="GraphJob.DefaultCheckpoints"/>.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Time between checkpoints of the backward passes.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Targets per backward pass (<see cref="GraphOptions.BatchSize"/>).</summary>
    public int BatchSize { get; init; } = new GraphOptions().BatchSize;

    /// <summary>Batches between influence rankings (<see cref="GraphOptions.UpdateInterval"/>).</summary>
    public int UpdateInterval { get; init; } = new GraphOptions().UpdateInterval;

    public GraphOptions Graph => new()
    {
        MaxFeatureNodes = MaxFeatureNodes, MaxLogits = MaxLogits, DesiredLogitProbability = DesiredLogitProbability, BatchSize = BatchSize, UpdateInterval = UpdateInterval,
    };
}
