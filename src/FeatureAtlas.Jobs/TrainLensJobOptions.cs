namespace FeatureAtlas.Jobs;

/// <summary>What <see cref="TrainLensJob"/> fits, on what, and where it writes.</summary>
public sealed record TrainLensJobOptions
{
    /// <summary>The Hugging Face GPT-2 folder; the lens is fitted on its raw weights (it then serves any processing).</summary>
    public required string ModelDirectory { get; init; }

    /// <summary>Corpora added with <c>atlas corpus add</c>; their windows are pooled.</summary>
    public required IReadOnlyList<string> Corpora { get; init; }

    /// <summary>Where the lens goes; null is the model folder's <c>tuned_lens/</c>, where the runtime looks.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Replace a lens already there.</summary>
    public bool Replace { get; init; }

    public required string CheckpointDirectory { get; init; }

    /// <summary>Tokens per sequence; null is min(128, n_positions, the corpora's window).</summary>
    public int? Context { get; init; }

    /// <summary>Training tokens; steps = tokens / (batch · T).</summary>
    public long Tokens { get; init; } = 262_144;

    /// <summary>Sequences per optimiser step.</summary>
    public int Batch { get; init; } = 4;

    public float LearningRate { get; init; } = 1e-3f;

    public int WarmupSteps { get; init; } = 10;

    public float WeightDecay { get; init; }

    public ulong Seed { get; init; }

    /// <summary>Share of the corpus windows held out for the final KL: every round(1/F)-th window of each corpus.</summary>
    public double HeldOutFraction { get; init; } = 0.05;

    /// <summary>Held-out tokens the final KL is measured on (at most).</summary>
    public int EvalTokens { get; init; } = 8_192;

    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(60);
}
