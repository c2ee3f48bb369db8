using System.Collections.Concurrent;
using FeatureAtlas.Data.Social;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

public sealed partial class AtlasStore
{
    // (model, sae) → (SAE id, d_sae). Rows are never renamed or deleted, so a hit stays true; misses are not cached.
    private readonly ConcurrentDictionary<(string Model, string Sae), (int Id, int DSae)> _saeIds = new();

    /// <summary>The SAE row id and width behind a name pair; unknown names raise <see cref="KeyNotFoundException"/>.</summary>
    private async Task<(int Id, int DSae)> SaeRowAsync(AtlasDbContext db, string model, string sae, CancellationToken cancellationToken)
    {
        if (_saeIds.TryGetValue((model, sae), out var hit)) return hit;
        var id = await SaeIdAsync(db, model, sae, cancellationToken);
        var dSae = await db.Saes.Where(s => s.Id == id).Select(s => s.DSae).SingleAsync(cancellationToken);
        _saeIds[(model, sae)] = (id, dSae);
        return (id, dSae);
    }

    /// <summary>The SAE row id of a feature, checking the index is inside the SAE (when its width is known).</summary>
    private async Task<int> FeatureSaeIdAsync(AtlasDbContext db, FeatureKey feature, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feature.Model);
        ArgumentNullException.ThrowIfNull(feature.Sae);
        var (id, dSae) = await SaeRowAsync(db, feature.Model, feature.Sae, cancellationToken);
        if (feature.Index < 0 || (dSae > 0 && feature.Index >= dSae))
        {
            throw new KeyNotFoundException($"Feature {feature.Index} is not in SAE '{feature.Sae}' of model '{feature.Model}', which has {dSae} features.");
        }
        return id;
    }

    /// <summary>One page of an SAE's features by index, light enough for a list of 25 to 100 rows.</summary>
    public async Task<IReadOnlyList<FeatureSummary>> ListFeatureSummariesAsync(string model, string sae, int offset, int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        await using var db = _database.CreateContext();
        var (saeId, _) = await SaeRowAsync(db, model, sae, cancellationToken);
        var end = (int)Math.Min((long)offset + count, int.MaxValue);
        var rows = await db.Features.AsNoTracking()
            .Where(f => f.SaeId == saeId && f.FeatureIndex >= offset && f.FeatureIndex < end)
            .OrderBy(f => f.FeatureIndex)
            .Select(f => new { f.FeatureIndex, f.FracNonzero, f.MaxActivation })
            .ToListAsync(cancellationToken);
        var explanations = await BestExplanationsAsync(db, saeId, e => e.FeatureIndex >= offset && e.FeatureIndex < end, cancellationToken);
        var scores = await ScoresAsync(db, saeId, e => e.FeatureIndex >= offset && e.FeatureIndex < end, cancellationToken);
        return rows.Select(r => new FeatureSummary(r.FeatureIndex, r.FracNonzero, r.MaxActivation, explanations.GetValueOrDefault(r.FeatureIndex),
            scores.TryGetValue(r.FeatureIndex, out var s) ? s : null)).ToArray();
    }

    /// <summary>The best <see cref="ExplanationScore.Primary"/> of each selected feature's scored explanations.</summary>
    private static async Task<Dictionary<int, double>> ScoresAsync(AtlasDbContext db, int saeId, System.Linq.Expressions.Expression<Func<Entities.ExplanationEntity, bool>> features, CancellationToken cancellationToken)
    {
        var scored = await db.Explanations.AsNoTracking().Where(e => e.SaeId == saeId && e.ScoresJson != null).Where(features)
            .Select(e => new { e.FeatureIndex, e.ScoresJson }).ToListAsync(cancellationToken);
        var scores = new Dictionary<int, double>();
        foreach (var e in scored)
        {
            if (ExplanationScore.Primary(e.ScoresJson) is not { } score) continue;
            scores[e.FeatureIndex] = scores.TryGetValue(e.FeatureIndex, out var best) ? Math.Max(best, score) : score;
        }
        return scores;
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
        await using var db = _database.CreateContext();
        var (saeId, _) = await SaeRowAsync(db, model, sae, cancellationToken);
        // Every feature's two numbers (24,576 rows for a large SAE: a list page can afford them, and it sorts any way).
        var rows = await db.Features.AsNoTracking().Where(f => f.SaeId == saeId)
            .Select(f => new { f.FeatureIndex, f.FracNonzero, f.MaxActivation }).ToListAsync(cancellationToken);
        var scores = await ScoresAsync(db, saeId, e => true, cancellationToken);
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
        var explanations = await BestExplanationsAsync(db, saeId, e => indexes.Contains(e.FeatureIndex), cancellationToken);
        return page.Select(r => new FeatureSummary(r.FeatureIndex, r.FracNonzero, r.MaxActivation, explanations.GetValueOrDefault(r.FeatureIndex),
            scores.TryGetValue(r.FeatureIndex, out var s) ? s : null)).ToArray();
    }

    /// <summary>The number of features with a stored dashboard.</summary>
    public async Task<int> CountFeaturesAsync(string model, string sae, CancellationToken cancellationToken)
    {
        await using var db = _database.CreateContext();
        var (saeId, _) = await SaeRowAsync(db, model, sae, cancellationToken);
        return await db.Features.CountAsync(f => f.SaeId == saeId, cancellationToken);
    }

    /// <summary>
    /// Every feature's max_act by index (0 where the SAE has no dashboard for it), for search ranked relative to each
    /// feature's maximum; null when the SAE has no dashboards at all.
    /// </summary>
    public async Task<float[]?> GetMaxActivationsAsync(string model, string sae, CancellationToken cancellationToken)
    {
        await using var db = _database.CreateContext();
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
        await using var db = _database.CreateContext();
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
}
