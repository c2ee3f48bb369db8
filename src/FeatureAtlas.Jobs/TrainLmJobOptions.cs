namespace FeatureAtlas.Jobs;

/// <summary>What <see cref="TrainLmJob"/> trains, on what, and where it writes. Defaults are the demo model's.</summary>
public sealed record TrainLmJobOptions
{
    /// <summary>Corpora added with <c>atlas corpus add</c>; their windows are pooled.</summary>
    public required IReadOnlyList<string> Corpora { get; init; }

    /// <summary>The Hugging Face folder written at the end (config.json, model.safetensors, training.json).</summary>
    public required string OutputDirectory { get; init; }

    public required string CheckpointDirectory { get; init; }

    public int Layers { get; init; } = 4;

    public int DModel { get; init; } = 128;

    public int Heads { get; init; } = 4;

    /// <summary>T, tokens per training sequence (each sequence has T + 1 tokens: inputs and shifted targets). n_positions is T + 1.</summary>
    public int Context { get; init; } = 127;

    /// <summary>Training tokens (targets); steps = tokens / (batch · T).</summary>
    public long Tokens { get; init; } = 1_600_000;

    /// <summary>Sequences per optimiser step.</summary>
    public int Batch { get; init; } = 8;

    public float LearningRate { get; init; } = 2e-3f;

    public int WarmupSteps { get; init; } = 20;

    /// <summary>AdamW's decoupled weight decay on the matrices (wte, wpe, every Conv1D weight).</summary>
    public float WeightDecay { get; init; } = 0.1f;

    public ulong Seed { get; init; }

    /// <summary>
    /// Tokens that are a training target fewer times than this share one embedding row (<see cref="Core.Training.SharedRowVocabulary"/>),
    /// so the softmax during training runs over the others plus that row instead of all 50,257; the saved model is an
    /// ordinary GPT-2 and its full-vocabulary loss is the one trained and reported. 0 gives every token its own row.
    /// </summary>
    public int MinTokenCount { get; init; } = 10;

    /// <summary>
    /// α of distillation from the Kneser–Ney n-gram model of the training split (<see cref="Core.Training.NgramTeacher"/>,
    /// order <see cref="DistillOrder"/>), held for <see cref="DistillHold"/> of the steps, then falling linearly to 0 at the
    /// last; 1 trains on the teacher's distributions alone, 0 on the next token alone.
    /// </summary>
    public float DistillWeight { get; init; } = 1f;

    /// <summary>The teacher's order: 2 (a bigram, the baseline the held-out loss is read against), 3 or 4.</summary>
    public int DistillOrder { get; init; } = 3;

    /// <summary>The share of the steps (0–1) α holds before falling linearly to 0 at the last step.</summary>
    public double DistillHold { get; init; } = 1;

    /// <summary>Share of the corpus windows held out: every round(1/F)-th window of each corpus.</summary>
    public double HeldOutFraction { get; init; } = 0.02;

    /// <summary>Held-out tokens the progress line evaluates on, every <see cref="EvalEverySteps"/> steps (the final loss uses them all).</summary>
    public int ProgressEvalTokens { get; init; } = 8_192;

    public int EvalEverySteps { get; init; } = 50;

    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(60);
}
