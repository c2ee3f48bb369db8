using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// Everything a researcher reads about one feature, in SAEDashboard/Neuronpedia semantics: activations
/// refer to the unit-norm decoder (scaled by ‖W_dec[i]‖) with BOS positions zeroed.
/// </summary>
public sealed record FeatureDashboard
{
    public required int Index { get; init; }

    /// <summary>Share of all corpus tokens (BOS included in the count) where the feature is active.</summary>
    public required double FracNonzero { get; init; }

    public required long NonzeroCount { get; init; }

    public required float MaxActivation { get; init; }

    public required float MinNonzeroActivation { get; init; }

    /// <summary>Bars over [min, max] of the non-zero activations.</summary>
    public required Histogram ActivationHistogram { get; init; }

    /// <summary>Largest (window, position) activations, highest first; ties by lower (window, position).</summary>
    public required IReadOnlyList<ActivationExample> Top { get; init; }

    /// <summary>Interval groups from the highest interval down.</summary>
    public required IReadOnlyList<IntervalExamples> Intervals { get; init; }

    public LogitTable? Logits { get; init; }

    /// <summary>SAEDashboard's neuron alignment, correlated neurons and correlated features; null when not computed.</summary>
    public FeatureTables? Tables { get; init; }

    /// <summary>Token-set enrichment, prefix and induction tests from the analysis job; null until it ran.</summary>
    public FeatureAnalysis? Analysis { get; init; }
}
