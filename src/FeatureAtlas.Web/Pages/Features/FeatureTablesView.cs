using FeatureAtlas.Core.Dashboards;

namespace FeatureAtlas.Web.Pages.Features;

/// <summary>What <c>_FeatureTables</c> renders: the tables and the feature's SAE, for links to correlated features.</summary>
public sealed record FeatureTablesView(string Model, string Sae, FeatureTables Tables, bool Dead);
