using FeatureAtlas.Core.Dashboards;

namespace FeatureAtlas.Jobs;

/// <summary>What <see cref="FeatureAnalysisJob"/> computes for an SAE's stored dashboards, and how it checkpoints.</summary>
public sealed record FeatureAnalysisJobOptions
{
    public required string Model { get; init; }

    public required string Sae { get; init; }

    /// <summary>A node_modules folder holding the word-list packages of <c>data/wordlists/package.json</c>; null or missing: those sets are skipped with a note.</summary>
    public string? WordLists { get; init; }

    public EnrichmentOptions Enrichment { get; init; } = new();

    /// <summary>Top examples per feature rerun by the prefix test (0: no prefix test).</summary>
    public int PrefixExamples { get; init; } = 5;

    /// <summary>Context lengths of the prefix test; 0 is the whole context.</summary>
    public int[] PrefixLengths { get; init; } = [.. ContextTests.DefaultLengths];

    /// <summary>Random sequences of the induction test (0: no induction test).</summary>
    public int InductionSequences { get; init; } = 8;

    /// <summary>Tokens in each copy of an induction sequence.</summary>
    public int InductionLength { get; init; } = 16;

    public ulong Seed { get; init; }

    /// <summary>Features per stored batch (and checkpoint).</summary>
    public int BatchFeatures { get; init; } = 256;

    public required string CheckpointDirectory { get; init; }

    public void Validate()
    {
        Enrichment.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(PrefixExamples);
        ArgumentOutOfRangeException.ThrowIfNegative(InductionSequences);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(InductionLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchFeatures);
        if (PrefixLengths.Length == 0 || PrefixLengths.Any(k => k < 0)) throw new ArgumentException("The prefix test needs context lengths ≥ 0 (0: the whole context).", nameof(PrefixLengths));
    }
}
