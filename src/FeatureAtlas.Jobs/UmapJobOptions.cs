using FeatureAtlas.Core.Umap;

namespace FeatureAtlas.Jobs;

/// <summary>What <see cref="UmapJob"/> maps and how it checkpoints.</summary>
public sealed record UmapJobOptions
{
    public required string Model { get; init; }

    public required string Sae { get; init; }

    public UmapOptions Umap { get; init; } = new();

    /// <summary>How often the layout is checkpointed while its epochs run.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(30);

    public required string CheckpointDirectory { get; init; }
}
