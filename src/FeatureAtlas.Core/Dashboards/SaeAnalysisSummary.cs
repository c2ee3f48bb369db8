namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// The SAE-wide result of the analysis job: per token set, how many features predict it ("312 features predict
/// first names"); the sets that were skipped and why; how many features fire on the second copy only of the
/// induction test.
/// </summary>
public sealed record SaeAnalysisSummary
{
    public required int Features { get; init; }

    public required IReadOnlyList<TokenSetCount> Sets { get; init; }

    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Features whose <see cref="InductionTest.SecondOnlyShare"/> is at least ½; null without the induction test.</summary>
    public int? InductionFeatures { get; init; }
}

/// <summary>One token set of the summary: its size and the number of features that predict it.</summary>
public sealed record TokenSetCount(string Name, string Description, string Source, int Members, int PredictingFeatures);
