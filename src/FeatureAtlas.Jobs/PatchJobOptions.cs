namespace FeatureAtlas.Jobs;

/// <summary>What <see cref="PatchJob"/> patches and how it checkpoints. Token ids are used exactly as given.</summary>
public sealed record PatchJobOptions
{
    public required int[] Clean { get; init; }

    public required int[] Corrupted { get; init; }

    public required int Target { get; init; }

    public required int Distractor { get; init; }

    /// <summary>Folder for the checkpoint file; a run stopped or killed continues from it with the same inputs.</summary>
    public required string CheckpointDirectory { get; init; }

    /// <summary>How often the cells done so far are checkpointed.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Cells computed between progress reports and cancellation checks (several batched forward passes).</summary>
    public int CellsPerStep { get; init; } = 64;
}
