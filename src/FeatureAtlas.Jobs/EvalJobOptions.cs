using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Jobs;

/// <summary>What <see cref="EvalJob"/> evaluates, over what.</summary>
public sealed record EvalJobOptions
{
    public required string ModelDirectory { get; init; }

    public required string SaeDirectory { get; init; }

    public required string Corpus { get; init; }

    /// <summary>Tokens to read from the corpus (whole windows; the corpus size caps it).</summary>
    public long Tokens { get; init; } = 100_000;

    /// <summary>The model's name in the store (its folder name by default).</summary>
    public string? ModelName { get; init; }

    /// <summary>Forced processing; null: what the SAE was trained under (SAELens's loading).</summary>
    public WeightProcessing? Processing { get; init; }

    public int BatchWindows { get; init; } = 8;

    /// <summary>Also train SAEBench's meta-SAE on the decoder rows (<see cref="Core.Evals.MetaSae"/>); null: not measured.</summary>
    public Core.Evals.MetaSaeOptions? MetaSae { get; init; }
}
