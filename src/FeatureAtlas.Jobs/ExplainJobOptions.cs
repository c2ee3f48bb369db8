using FeatureAtlas.Core.Explain;
using FeatureAtlas.Core.Explain.Llm;

namespace FeatureAtlas.Jobs;

/// <summary>What <see cref="ExplainJob"/> explains and scores, and how it checkpoints.</summary>
public sealed record ExplainJobOptions
{
    public required string Model { get; init; }

    public required string Sae { get; init; }

    /// <summary>Features [First, First + Count) (clipped to the SAE); null Count: to the end.</summary>
    public int First { get; init; }

    public int? Count { get; init; }

    /// <summary>null: the offline explainer; otherwise the LLM explainer with this prompt style.</summary>
    public LlmExplainerStyle? LlmStyle { get; init; }

    /// <summary>Ask the LLM scorers for log-probabilities (AUROC, simulation).</summary>
    public bool LlmLogprobs { get; init; }

    public ExplainOptions Explain { get; init; } = new();

    /// <summary>Random corpus windows in the negative pool shared by all features.</summary>
    public int PoolWindows { get; init; } = 64;

    /// <summary>Features per stored batch (and checkpoint).</summary>
    public int BatchFeatures { get; init; } = 256;

    public required string CheckpointDirectory { get; init; }
}
