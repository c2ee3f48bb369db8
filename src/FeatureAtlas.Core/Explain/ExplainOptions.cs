namespace FeatureAtlas.Core.Explain;

/// <summary>How examples are split and how the offline explainer chooses what to say.</summary>
public sealed record ExplainOptions
{
    /// <summary>Seed of the choice of random (negative) windows per feature.</summary>
    public ulong Seed { get; init; }

    /// <summary>Add-α smoothing of the corpus base rate (counts over the whole vocabulary).</summary>
    public double BaseAlpha { get; init; } = 1.0;

    /// <summary>Pseudo-counts of the base rate mixed into the activating-position rate (a Dirichlet prior centred on the corpus).</summary>
    public double PriorCounts { get; init; } = 10.0;

    /// <summary>Smallest log-odds enrichment (activating positions vs corpus) for a token to be named.</summary>
    public double MinEnrichment { get; init; } = 1.0;

    /// <summary>Smallest number of activating positions a named token must have.</summary>
    public int MinCount { get; init; } = 2;

    /// <summary>Most tokens an explanation names.</summary>
    public int MaxTokens { get; init; } = 4;

    /// <summary>Named tokens stop once they carry this share of the activating mass.</summary>
    public double MassCoverage { get; init; } = 0.7;

    /// <summary>A preceding token is named when it precedes at least this share of a token's activating occurrences…</summary>
    public double MinContextShare { get; init; } = 0.5;

    /// <summary>…and this many times its corpus share before that token.</summary>
    public double MinContextLift { get; init; } = 2.0;

    /// <summary>Positions 1..<see cref="StartPositions"/> count as the start of the context (position 0 holds BOS).</summary>
    public int StartPositions { get; init; } = 3;

    /// <summary>"Near the start of the context" is said when that share of the activating mass sits there.</summary>
    public double StartShare { get; init; } = 0.5;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BaseAlpha);
        ArgumentOutOfRangeException.ThrowIfNegative(PriorCounts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(MinCount);
        ArgumentOutOfRangeException.ThrowIfNegative(StartPositions);
    }
}
