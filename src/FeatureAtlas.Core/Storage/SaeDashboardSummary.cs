using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Core.Storage;

/// <summary>What the store keeps about an SAE's dashboard run as a whole.</summary>
public sealed record SaeDashboardSummary(string Model, string Sae, string Corpus, long TotalTokens, int Windows, int DeadFeatures, Histogram LogDensityHistogram, DashboardOptions Options, DateTimeOffset CreatedAt);
