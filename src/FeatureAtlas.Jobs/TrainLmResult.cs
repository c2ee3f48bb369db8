using System.Text.Json.Serialization;

namespace FeatureAtlas.Jobs;

/// <summary>
/// What a finished run reports and writes beside the checkpoint as training.json: the corpora, the split (every
/// <see cref="HeldOutEvery"/>-th window held out), tokens trained on, and held-out cross-entropy per token of the model
/// and of the two baselines fit on the same training tokens.
/// </summary>
public sealed record TrainLmResult
{
    [JsonPropertyName("corpora")] public required IReadOnlyList<string> Corpora { get; init; }
    [JsonPropertyName("layers")] public required int Layers { get; init; }
    [JsonPropertyName("d_model")] public required int DModel { get; init; }
    [JsonPropertyName("heads")] public required int Heads { get; init; }
    [JsonPropertyName("context")] public required int Context { get; init; }
    [JsonPropertyName("steps")] public required int Steps { get; init; }
    [JsonPropertyName("train_tokens")] public required long TrainTokens { get; init; }
    [JsonPropertyName("min_token_count")] public int MinTokenCount { get; init; }
    [JsonPropertyName("own_row_tokens")] public int OwnRowTokens { get; init; } = 50257;
    [JsonPropertyName("held_out_every")] public required int HeldOutEvery { get; init; }
    [JsonPropertyName("held_out_tokens")] public required long HeldOutTokens { get; init; }
    [JsonPropertyName("final_train_loss")] public required double FinalTrainLoss { get; init; }
    [JsonPropertyName("held_out_loss")] public required double HeldOutLoss { get; init; }
    [JsonPropertyName("unigram_add_one_loss")] public required double UnigramLoss { get; init; }
    [JsonPropertyName("bigram_kneser_ney_loss")] public required double BigramLoss { get; init; }
    /// <summary>Targets in the training split (every window not held out), which the baselines and the teacher are fit on.</summary>
    [JsonPropertyName("split_tokens")] public long SplitTokens { get; init; }

    /// <summary>α at the first step of distillation from the n-gram teacher (held for <see cref="DistillHold"/> of the steps, then falling to 0 at the last); 0 when not distilled.</summary>
    [JsonPropertyName("distill_weight")] public float DistillWeight { get; init; }

    /// <summary>The Kneser–Ney teacher's order (2 bigram, 3 trigram, 4); 0 when not distilled.</summary>
    [JsonPropertyName("distill_order")] public int DistillOrder { get; init; }

    /// <summary>The share of the steps α held before falling to 0.</summary>
    [JsonPropertyName("distill_hold")] public double DistillHold { get; init; }

    /// <summary>The teacher's own held-out cross-entropy (nats/token; a rare token gets an even share of the shared row's probability).</summary>
    [JsonPropertyName("teacher_loss")] public double? TeacherLoss { get; init; }
    [JsonPropertyName("seconds")] public required double Seconds { get; init; }

    public const string FileName = "training.json";
}
