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

    /// <summary>Offline: the logit-aware explainer (<c>atlas_max-act-logits</c>) instead of token statistics alone.</summary>
    public bool LogitAware { get; init; }

    /// <summary>Write test texts for each explanation (LLM runs: by the LLM; offline: composed) and score them through the model; needs the weights.</summary>
    public bool TestTexts { get; init; } = true;

    /// <summary>Texts of each kind an LLM writes per explanation.</summary>
    public int TestTextsPerSide { get; init; } = 5;

    /// <summary>Ask the LLM scorers for log-probabilities (AUROC, simulation).</summary>
    public bool LlmLogprobs { get; init; }

    public ExplainOptions Explain { get; init; } = new();

    /// <summary>Random corpus windows in the negative pool shared by all features.</summary>
    public int PoolWindows { get; init; } = 64;

    /// <summary>Features per stored batch (and checkpoint).</summary>
    public int BatchFeatures { get; init; } = 256;

    public required string CheckpointDirectory { get; init; }
}
