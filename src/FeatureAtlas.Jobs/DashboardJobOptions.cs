using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Jobs;

/// <summary>What <see cref="DashboardJob"/> computes, and how it checkpoints.</summary>
public sealed record DashboardJobOptions
{
    public required string ModelDirectory { get; init; }

    public required IReadOnlyList<string> SaeDirectories { get; init; }

    public required string Corpus { get; init; }

    /// <summary>Tokens to read from the corpus (whole windows; the corpus size caps it).</summary>
    public required long Tokens { get; init; }

    /// <summary>The model's name in the store (its folder name by default).</summary>
    public string? ModelName { get; init; }

    /// <summary>
    /// The Neuronpedia source set the SAEs join (their source ids become <c>{layer}-{set}</c>, unless a cfg.json names
    /// its <c>neuronpedia_id</c>); null keeps any set chosen before, else the set is named after the hook kind.
    /// </summary>
    public string? SetName { get; init; }

    /// <summary>The source set's description, stored with it when given.</summary>
    public string? SetDescription { get; init; }

    public DashboardOptions Dashboard { get; init; } = new();

    /// <summary>Forced processing; null: what the SAEs were trained under (SAELens's loading).</summary>
    public WeightProcessing? Processing { get; init; }

    /// <summary>Folder for the resumable checkpoint file.</summary>
    public required string CheckpointDirectory { get; init; }

    /// <summary>Windows per forward pass.</summary>
    public int BatchWindows { get; init; } = 8;

    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(30);
}
