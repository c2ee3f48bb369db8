using System.Text.Json;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

public sealed partial class AtlasStore
{
    /// <summary>
    /// Deletes the SAE's dashboards and writes the new set in one transaction: one bulk insert of one row per
    /// feature, its examples and intervals in one blob (the features are enumerated once). Any failure,
    /// cancellation included, rolls back to the previous set.
    /// </summary>
    public async Task SaveDashboardsAsync(string model, string sae, string corpus, DashboardOptions options, SaeDashboards dashboards, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dashboards);
        options.Validate();
        await using var db = _database.CreateContext();
        // Lookups inside the write transaction: the corpus cannot be replaced between the window check and the insert.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var saeId = await SaeIdAsync(db, model, sae, cancellationToken);
        var saeRow = await db.Saes.AsNoTracking().SingleAsync(s => s.Id == saeId, cancellationToken);
        if (dashboards.HookName != saeRow.HookName)
        {
            throw new InvalidOperationException($"The dashboards were computed at hook {dashboards.HookName}, but SAE '{sae}' of model '{model}' reads {saeRow.HookName}.");
        }
        var corpusRow = await db.Corpora.AsNoTracking().SingleOrDefaultAsync(c => c.Name == corpus, cancellationToken)
            ?? throw new KeyNotFoundException($"Corpus '{corpus}' is not in the store.");
        var density = StoredHistogram.From(dashboards.LogDensityHistogram, $"log-density histogram of {model}/{sae}");

        await db.Features.Where(f => f.SaeId == saeId).ExecuteDeleteAsync(cancellationToken);
        await db.DashboardRuns.Where(r => r.SaeId == saeId).ExecuteDeleteAsync(cancellationToken);

        db.DashboardRuns.Add(new DashboardRunEntity
        {
            SaeId = saeId,
            CorpusId = corpusRow.Id,
            TotalTokens = dashboards.TotalTokens,
            Windows = dashboards.Windows,
            DeadFeatures = dashboards.DeadFeatures,
            LogDensityBins = density.Bins,
            LogDensityMin = density.Min,
            LogDensityMax = density.Max,
            LogDensityHeights = density.Heights,
            LogDensityCentres = density.Centres,
            OptionsJson = JsonSerializer.Serialize(options),
            CreatedAt = Now(),
        });
        await db.SaveChangesAsync(cancellationToken);

        var rows = new DashboardRows(saeId, $"{model}/{sae}", saeRow.DSae, corpusRow.Windows);
        await BulkInserter.For(db).InsertAsync(db, dashboards.Features.Select(rows.Feature), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The SAE's dashboard run, or null when it has none; an unknown SAE is an error.</summary>
    public async Task<SaeDashboardSummary?> GetDashboardSummaryAsync(string model, string sae, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        await using var db = _database.CreateContext();
        var saeId = await SaeIdAsync(db, model, sae, cancellationToken);
        var found = await (from run in db.DashboardRuns.AsNoTracking()
                           join c in db.Corpora on run.CorpusId equals c.Id
                           where run.SaeId == saeId
                           select new { Run = run, Corpus = c.Name }).SingleOrDefaultAsync(cancellationToken);
        return found is null ? null : ToSummary(model, sae, found.Run, found.Corpus);
    }

    /// <summary>The feature's dashboard, or null when the SAE has no dashboard for it; an unknown SAE is an error.</summary>
    public async Task<FeatureDashboard?> GetFeatureAsync(string model, string sae, int index, CancellationToken cancellationToken)
    {
        var features = await GetFeaturesAsync(model, sae, index, 1, cancellationToken);
        return features.Count == 0 ? null : features[0];
    }

    public async Task<IReadOnlyList<FeatureDashboard>> GetFeaturesAsync(string model, string sae, int offset, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        await using var db = _database.CreateContext();
        // The SAE lookup and the features read one committed state, whatever a concurrent save commits.
        await using var snapshot = await BeginSnapshotAsync(db, cancellationToken);
        var saeId = await SaeIdAsync(db, model, sae, cancellationToken);
        var end = (int)Math.Min((long)offset + count, int.MaxValue);
        var features = await db.Features.AsNoTracking()
            .Where(f => f.SaeId == saeId && f.FeatureIndex >= offset && f.FeatureIndex < end)
            .OrderBy(f => f.FeatureIndex)
            .ToListAsync(cancellationToken);
        return features.Select(f => DashboardRows.ToDashboard(f, $"{model}/{sae}")).ToArray();
    }
}
