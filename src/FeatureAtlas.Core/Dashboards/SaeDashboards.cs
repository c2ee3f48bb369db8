using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>All dashboards of one SAE over one corpus run, with the SAE-wide density picture.</summary>
public sealed record SaeDashboards
{
    public required string SaeName { get; init; }

    public required string HookName { get; init; }

    public required long TotalTokens { get; init; }

    public required int Windows { get; init; }

    /// <summary>Bars over log10(frac_nonzero) of the features that fired at all.</summary>
    public required Histogram LogDensityHistogram { get; init; }

    /// <summary>Features that never fired on the corpus.</summary>
    public required int DeadFeatures { get; init; }

    public required IReadOnlyList<FeatureDashboard> Features { get; init; }
}
