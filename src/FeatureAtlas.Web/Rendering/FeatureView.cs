using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Community;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// Everything the feature page and <c>GET /api/feature/…</c> show about one feature, tokens already decoded;
/// <see cref="Social"/> (stars, comments, lists) only when read for the page.
/// </summary>
public sealed record FeatureView(
    FeatureKey Key,
    SaeRecord Sae,
    ModelRecord Model,
    SaeDashboardSummary? Run,
    FeatureDashboard? Dashboard,
    IReadOnlyList<ExampleView> Top,
    IReadOnlyList<IntervalView> Intervals,
    IReadOnlyList<LogitView> PositiveLogits,
    IReadOnlyList<LogitView> NegativeLogits,
    IReadOnlyList<ExplanationRecord> Explanations,
    FeatureSocial? Social = null);
