using FeatureAtlas.Core.Umap;

namespace FeatureAtlas.Jobs;

/// <summary>What <see cref="JointUmapJob"/> maps (two or more SAEs of one model), under which name, and how it checkpoints.</summary>
public sealed record JointUmapJobOptions
{
    public required string Model { get; init; }

    /// <summary>The SAEs, in the map's order (their colours on the page).</summary>
    public required IReadOnlyList<string> Saes { get; init; }

    /// <summary>The map's name; default: the SAE names joined by '+' (<see cref="MapName"/>).</summary>
    public string? Name { get; init; }

    public UmapOptions Umap { get; init; } = new();

    /// <summary>How often the layout is checkpointed while its epochs run.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(30);

    public required string CheckpointDirectory { get; init; }

    public string MapName => Name ?? DefaultName(Saes);

    public static string DefaultName(IEnumerable<string> saes) => string.Join("+", saes);
}
