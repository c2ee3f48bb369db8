using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Dashboards;

namespace FeatureAtlas.Core.Storage;

/// <summary>
/// One feature as its page shows it, read in one snapshot: the model and SAE, the SAE's dashboard run and the
/// feature's dashboard (null when there are none), its explanations best first, and, when asked for, its stars,
/// comments and the lists a viewer may see.
/// </summary>
public sealed record StoredFeature(
    ModelRecord Model,
    SaeRecord Sae,
    SaeDashboardSummary? Run,
    FeatureDashboard? Dashboard,
    IReadOnlyList<ExplanationRecord> Explanations,
    FeatureSocial? Social);
