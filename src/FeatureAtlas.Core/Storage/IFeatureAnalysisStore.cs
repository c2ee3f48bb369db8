using FeatureAtlas.Core.Dashboards;

namespace FeatureAtlas.Core.Storage;

/// <summary>
/// What the analysis job adds to an SAE's stored dashboards: each feature's <see cref="FeatureAnalysis"/> and the
/// SAE-wide token-set summary. Both belong to the current dashboard run: rebuilding the dashboards drops them. An
/// unknown model or SAE raises <see cref="KeyNotFoundException"/>.
/// </summary>
public interface IFeatureAnalysisStore
{
    /// <summary>Stores the analyses of features that have dashboards, in one transaction; a feature without a dashboard is an error.</summary>
    Task SaveFeatureAnalysesAsync(string model, string sae, IReadOnlyList<(int Index, FeatureAnalysis Analysis)> analyses, CancellationToken cancellationToken);

    Task SaveAnalysisSummaryAsync(string model, string sae, SaeAnalysisSummary summary, CancellationToken cancellationToken);

    /// <summary>The SAE's summary, or null when the analysis job has not finished on its current dashboards.</summary>
    Task<SaeAnalysisSummary?> GetAnalysisSummaryAsync(string model, string sae, CancellationToken cancellationToken);
}
