using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>The analysis job's results, stored with the SAE's current dashboards (<see cref="IFeatureAnalysisStore"/>).</summary>
public sealed class FeatureAnalysisStore(AtlasDatabase database) : Store(database), IFeatureAnalysisStore
{
    public async Task SaveFeatureAnalysesAsync(string model, string sae, IReadOnlyList<(int Index, FeatureAnalysis Analysis)> analyses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(analyses);
        await using var db = CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var saeId = await SaeIdAsync(db, model, sae, cancellationToken);
        foreach (var (index, analysis) in analyses)
        {
            ArgumentNullException.ThrowIfNull(analysis);
            var blob = FeatureAnalysisCodec.Encode(analysis);
            var updated = await db.Features.Where(f => f.SaeId == saeId && f.FeatureIndex == index)
                .ExecuteUpdateAsync(u => u.SetProperty(f => f.Analysis, blob), cancellationToken);
            if (updated == 0) throw new KeyNotFoundException($"Feature {index} of SAE '{sae}' of model '{model}' has no dashboard to add an analysis to.");
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task SaveAnalysisSummaryAsync(string model, string sae, SaeAnalysisSummary summary, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(summary);
        await using var db = CreateContext();
        var saeId = await SaeIdAsync(db, model, sae, cancellationToken);
        var json = FeatureAnalysisCodec.EncodeSummary(summary);
        var updated = await db.DashboardRuns.Where(r => r.SaeId == saeId).ExecuteUpdateAsync(u => u.SetProperty(r => r.AnalysisSummaryJson, json), cancellationToken);
        if (updated == 0) throw new KeyNotFoundException($"SAE '{sae}' of model '{model}' has no dashboards; build them with `atlas dashboards build`.");
    }

    public async Task<SaeAnalysisSummary?> GetAnalysisSummaryAsync(string model, string sae, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var saeId = await SaeIdAsync(db, model, sae, cancellationToken);
        var json = await db.DashboardRuns.AsNoTracking().Where(r => r.SaeId == saeId).Select(r => r.AnalysisSummaryJson).SingleOrDefaultAsync(cancellationToken);
        return json is null ? null : FeatureAnalysisCodec.DecodeSummary(json, $"analysis summary of {model}/{sae}");
    }
}
