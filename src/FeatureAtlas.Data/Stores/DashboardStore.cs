using System.Text.Json;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Statistics;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>SAEs' feature dashboards, and the light pages of feature lists read from them.</summary>
public sealed class DashboardStore(AtlasDatabase database) : Store(database), IDashboardStore
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
        await using var db = CreateContext();
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

    public async Task AddUploadedFeaturesAsync(string model, string sae, IReadOnlyList<UploadedFeature> features, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(features);
        var windows = new List<int[]>();
        var uploaded = FeatureUpload.Build(features, windows);
        await using var db = CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var saeId = await SaeIdAsync(db, model, sae, cancellationToken);
        var saeRow = await db.Saes.SingleAsync(s => s.Id == saeId, cancellationToken);
        var corpusName = IDashboardStore.UploadCorpus(model, sae);
        var corpus = await db.Corpora.SingleOrDefaultAsync(c => c.Name == corpusName, cancellationToken);
        var run = await db.DashboardRuns.SingleOrDefaultAsync(r => r.SaeId == saeId, cancellationToken);
        if (run is not null && (corpus is null || run.CorpusId != corpus.Id))
        {
            var built = await db.Corpora.Where(c => c.Id == run.CorpusId).Select(c => c.Name).SingleAsync(cancellationToken);
            throw new ArgumentException($"SAE '{sae}' of model '{model}' has dashboards built here from corpus '{built}'; uploaded features go to an SAE of their own.");
        }
        if (corpus is null)
        {
            corpus = new CorpusEntity { Name = corpusName, Source = "feature/upload-batch", Context = 1, CreatedAt = Now() };
            db.Corpora.Add(corpus);
            await db.SaveChangesAsync(cancellationToken);
        }
        var first = corpus.Windows;
        db.CorpusWindows.AddRange(windows.Select((w, i) => new CorpusWindowEntity { CorpusId = corpus.Id, WindowIndex = first + i, TokenIds = Blobs.FromInt32s(w) }));
        corpus.Windows += windows.Count;
        corpus.Tokens += windows.Sum(w => (long)w.Length);
        corpus.Context = Math.Max(corpus.Context, windows.Count == 0 ? 0 : windows.Max(w => w.Length));
        saeRow.DSae = Math.Max(saeRow.DSae, features.Count == 0 ? 0 : features.Max(f => f.Index) + 1);
        if (run is null)
        {
            var empty = StoredHistogram.From(Histogram.Empty, $"log-density histogram of {model}/{sae}");
            run = new DashboardRunEntity
            {
                SaeId = saeId, CorpusId = corpus.Id, LogDensityBins = empty.Bins, LogDensityMin = empty.Min, LogDensityMax = empty.Max,
                LogDensityHeights = empty.Heights, LogDensityCentres = empty.Centres, OptionsJson = "{}", CreatedAt = Now(),
            };
            db.DashboardRuns.Add(run);
        }
        run.TotalTokens = corpus.Tokens;
        run.Windows = corpus.Windows;

        var indexes = features.Select(f => f.Index).ToArray();
        var stored = await db.Features.Where(f => f.SaeId == saeId && indexes.Contains(f.FeatureIndex)).ToDictionaryAsync(f => f.FeatureIndex, cancellationToken);
        db.Features.RemoveRange(stored.Values);
        var rows = new DashboardRows(saeId, $"{model}/{sae}", saeRow.DSae, corpus.Windows);
        for (var i = 0; i < features.Count; i++)
        {
            var dashboard = FeatureUpload.Renumber(uploaded[i], first);
            if (stored.TryGetValue(dashboard.Index, out var earlier))
            {
                dashboard = FeatureUpload.Merge(DashboardRows.ToDashboard(earlier, $"{model}/{sae}"), dashboard, features[i].Density is not null);
            }
            db.Features.Add(rows.Feature(dashboard));
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Database.SaeRows.TryRemove((model, sae), out _);
    }

    /// <summary>The SAE's dashboard run, or null when it has none; an unknown SAE is an error.</summary>
    public async Task<SaeDashboardSummary?> GetDashboardSummaryAsync(string model, string sae, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        await using var db = CreateContext();
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
        await using var db = CreateContext();
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

    /// <summary>One page of an SAE's features by index, light enough for a list of 25 to 100 rows.</summary>
    public async Task<IReadOnlyList<FeatureSummary>> ListFeatureSummariesAsync(string model, string sae, int offset, int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        await using var db = CreateContext();
        var (saeId, _) = await SaeRowAsync(db, model, sae, cancellationToken);
        var end = (int)Math.Min((long)offset + count, int.MaxValue);
        var rows = await db.Features.AsNoTracking()
            .Where(f => f.SaeId == saeId && f.FeatureIndex >= offset && f.FeatureIndex < end)
            .OrderBy(f => f.FeatureIndex)
            .Select(f => new { f.FeatureIndex, f.FracNonzero, f.MaxActivation })
            .ToListAsync(cancellationToken);
        var explanations = await ExplanationStore.BestExplanationsAsync(db, saeId, e => e.FeatureIndex >= offset && e.FeatureIndex < end, cancellationToken);
        var scores = await ExplanationStore.ScoresAsync(db, saeId, e => e.FeatureIndex >= offset && e.FeatureIndex < end, cancellationToken);
        return rows.Select(r => new FeatureSummary(r.FeatureIndex, r.FracNonzero, r.MaxActivation, explanations.GetValueOrDefault(r.FeatureIndex),
            scores.TryGetValue(r.FeatureIndex, out var s) ? s : null)).ToArray();
    }

    /// <summary>
    /// One page of an SAE's features in the order a reader picked: by density, max activation or explanation score
    /// (the best <see cref="ExplanationScore.Primary"/> of the feature's explanations; unscored features come last
    /// either way), ties by index. <see cref="FeatureOrder.Index"/> ascending is the plain paged list.
    /// </summary>
    public async Task<IReadOnlyList<FeatureSummary>> ListFeatureSummariesAsync(string model, string sae, FeatureOrder order, bool descending, int offset, int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        await using var db = CreateContext();
        var (saeId, _) = await SaeRowAsync(db, model, sae, cancellationToken);
        // Every feature's two numbers (24,576 rows for a large SAE: a list page can afford them, and it sorts any way).
        var rows = await db.Features.AsNoTracking().Where(f => f.SaeId == saeId)
            .Select(f => new { f.FeatureIndex, f.FracNonzero, f.MaxActivation }).ToListAsync(cancellationToken);
        var scores = await ExplanationStore.ScoresAsync(db, saeId, e => true, cancellationToken);
        var sign = descending ? -1 : 1;
        double? Key(int index, double frac, float max) => order switch
        {
            FeatureOrder.Density => frac,
            FeatureOrder.MaxActivation => max,
            FeatureOrder.ExplanationScore => scores.TryGetValue(index, out var s) ? s : null,
            _ => index,
        };
        var page = rows.Select(r => (r.FeatureIndex, r.FracNonzero, r.MaxActivation, Key: Key(r.FeatureIndex, r.FracNonzero, r.MaxActivation)))
            .OrderBy(r => r.Key is null).ThenBy(r => sign * (r.Key ?? 0)).ThenBy(r => r.FeatureIndex)
            .Skip(offset).Take(count).ToList();
        var indexes = page.Select(r => r.FeatureIndex).ToArray();
        var explanations = await ExplanationStore.BestExplanationsAsync(db, saeId, e => indexes.Contains(e.FeatureIndex), cancellationToken);
        return page.Select(r => new FeatureSummary(r.FeatureIndex, r.FracNonzero, r.MaxActivation, explanations.GetValueOrDefault(r.FeatureIndex),
            scores.TryGetValue(r.FeatureIndex, out var s) ? s : null)).ToArray();
    }

    /// <summary>The number of features with a stored dashboard.</summary>
    public async Task<int> CountFeaturesAsync(string model, string sae, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var (saeId, _) = await SaeRowAsync(db, model, sae, cancellationToken);
        return await db.Features.CountAsync(f => f.SaeId == saeId, cancellationToken);
    }

    /// <summary>
    /// Every feature's max_act by index (0 where the SAE has no dashboard for it), for search ranked relative to each
    /// feature's maximum; null when the SAE has no dashboards at all.
    /// </summary>
    public async Task<float[]?> GetMaxActivationsAsync(string model, string sae, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var (saeId, dSae) = await SaeRowAsync(db, model, sae, cancellationToken);
        var rows = await db.Features.AsNoTracking().Where(f => f.SaeId == saeId)
            .Select(f => new { f.FeatureIndex, f.MaxActivation }).ToListAsync(cancellationToken);
        if (rows.Count == 0) return null;
        var max = new float[Math.Max(dSae, rows.Max(r => r.FeatureIndex) + 1)];
        foreach (var r in rows) max[r.FeatureIndex] = r.MaxActivation;
        return max;
    }

    /// <summary>
    /// Every feature's frac_nonzero by index (−1 where the SAE has no dashboard for it), for density filters in
    /// search; null when the SAE has no dashboards at all.
    /// </summary>
    public async Task<float[]?> GetFracNonzeroAsync(string model, string sae, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var (saeId, dSae) = await SaeRowAsync(db, model, sae, cancellationToken);
        var rows = await db.Features.AsNoTracking().Where(f => f.SaeId == saeId)
            .Select(f => new { f.FeatureIndex, f.FracNonzero }).ToListAsync(cancellationToken);
        if (rows.Count == 0) return null;
        var width = Math.Max(dSae, rows.Max(r => r.FeatureIndex) + 1);
        var density = new float[width];
        Array.Fill(density, -1f);
        foreach (var r in rows) density[r.FeatureIndex] = (float)r.FracNonzero;
        return density;
    }

    internal static SaeDashboardSummary ToSummary(string model, string sae, DashboardRunEntity r, string corpus)
    {
        var density = new StoredHistogram(r.LogDensityBins, r.LogDensityMin, r.LogDensityMax, r.LogDensityHeights, r.LogDensityCentres)
            .ToHistogram($"log-density histogram of {model}/{sae}");
        var options = JsonSerializer.Deserialize<DashboardOptions>(r.OptionsJson)
            ?? throw new InvalidDataException($"The dashboard options of {model}/{sae} are empty.");
        return new SaeDashboardSummary(model, sae, corpus, r.TotalTokens, r.Windows, r.DeadFeatures, density, options, r.CreatedAt);
    }
}
