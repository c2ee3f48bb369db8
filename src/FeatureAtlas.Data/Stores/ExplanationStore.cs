using System.Linq.Expressions;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>Explanations of SAEs' features: machine ones saved by jobs, people's own, and the best of each feature.</summary>
public sealed partial class ExplanationStore(AtlasDatabase database) : Store(database), IExplanationStore
{
    /// <summary>
    /// Deletes the earlier explanations of the same (feature, method, model) and inserts the new ones in one
    /// transaction; any failure, cancellation included, leaves the previous set.
    /// </summary>
    public async Task SaveExplanationsAsync(string model, string sae, IReadOnlyList<ExplanationRecord> explanations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(explanations);
        foreach (var e in explanations)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(e.Text, nameof(explanations));
            ArgumentException.ThrowIfNullOrWhiteSpace(e.Method, nameof(explanations));
            ArgumentOutOfRangeException.ThrowIfNegative(e.FeatureIndex, nameof(explanations));
        }
        await using var db = CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var saeId = await SaeIdAsync(db, model, sae, cancellationToken);
        var dSae = await db.Saes.Where(s => s.Id == saeId).Select(s => s.DSae).SingleAsync(cancellationToken);
        var outside = explanations.FirstOrDefault(e => e.FeatureIndex >= dSae);
        if (outside is not null) throw new ArgumentOutOfRangeException(nameof(explanations), $"Feature {outside.FeatureIndex} is outside SAE '{sae}' of model '{model}' (d_sae {dSae}).");

        foreach (var group in explanations.GroupBy(e => (e.Method, e.ModelName)))
        {
            var (method, modelName) = group.Key;
            // Chunks keep the IN list well inside both providers' parameter limits.
            foreach (var chunk in group.Select(e => e.FeatureIndex).Distinct().Chunk(1000))
            {
                await db.Explanations
                    .Where(e => e.SaeId == saeId && e.Method == method && e.ModelName == modelName && chunk.Contains(e.FeatureIndex))
                    .ExecuteDeleteAsync(cancellationToken);
            }
        }
        db.Explanations.AddRange(explanations.Select(e => new ExplanationEntity
        {
            SaeId = saeId,
            FeatureIndex = e.FeatureIndex,
            Text = e.Text,
            Method = e.Method,
            ModelName = e.ModelName,
            AuthorId = e.AuthorId,
            ScoresJson = e.ScoresJson,
            CreatedAt = e.CreatedAt,
        }));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ExplanationRecord>> GetExplanationsAsync(string model, string sae, int feature, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        await using var db = CreateContext();
        var saeId = await SaeIdAsync(db, model, sae, cancellationToken);
        var rows = await db.Explanations.AsNoTracking()
            .Where(e => e.SaeId == saeId && e.FeatureIndex == feature)
            .OrderBy(e => e.Id)
            .ToListAsync(cancellationToken);
        return rows.Select(e => ToRecord(e, model, sae)).ToArray();
    }

    public async Task<IReadOnlyList<ExplanationRecord>> ListExplanationsAsync(string model, string sae, string? method, int offset, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        await using var db = CreateContext();
        var saeId = await SaeIdAsync(db, model, sae, cancellationToken);
        var query = db.Explanations.AsNoTracking().Where(e => e.SaeId == saeId);
        if (method is not null) query = query.Where(e => e.Method == method);
        var rows = await query.OrderBy(e => e.FeatureIndex).ThenBy(e => e.Method).ThenBy(e => e.Id)
            .Skip(offset).Take(count)
            .ToListAsync(cancellationToken);
        return rows.Select(e => ToRecord(e, model, sae)).ToArray();
    }

    private static ExplanationRecord ToRecord(ExplanationEntity e, string model, string sae) =>
        new(e.FeatureIndex, e.Text, e.Method, e.ModelName, e.ScoresJson, e.CreatedAt, e.AuthorId) { Id = e.Id, Model = model, Sae = sae };

    /// <summary>
    /// The best explanation (most votes, then newest) of each of the given features that has one, in one query per
    /// SAE, for pages that show many features from anywhere (a list). Unknown models or SAEs raise
    /// <see cref="KeyNotFoundException"/>.
    /// </summary>
    public async Task<IReadOnlyDictionary<FeatureKey, string>> BestExplanationsAsync(IReadOnlyCollection<FeatureKey> features, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(features);
        var best = new Dictionary<FeatureKey, string>();
        await using var db = CreateContext();
        foreach (var group in features.GroupBy(f => (f.Model, f.Sae)))
        {
            var (saeId, _) = await SaeRowAsync(db, group.Key.Model, group.Key.Sae, cancellationToken);
            var indexes = group.Select(f => f.Index).Distinct().ToArray();
            foreach (var (index, text) in await BestExplanationsAsync(db, saeId, e => indexes.Contains(e.FeatureIndex), cancellationToken))
            {
                best[new FeatureKey(group.Key.Model, group.Key.Sae, index)] = text;
            }
        }
        return best;
    }

    /// <summary>The highest-voted, then newest explanation of each feature of one SAE that <paramref name="features"/> selects.</summary>
    internal static async Task<Dictionary<int, string>> BestExplanationsAsync(AtlasDbContext db, int saeId, Expression<Func<ExplanationEntity, bool>> features, CancellationToken cancellationToken)
    {
        var rows = await (from e in db.Explanations.AsNoTracking().Where(e => e.SaeId == saeId).Where(features)
                          select new
                          {
                              e.FeatureIndex,
                              e.Text,
                              e.CreatedAt,
                              Votes = db.ExplanationVotes.Where(v => v.ExplanationId == e.Id).Sum(v => (int?)v.Points) ?? 0,
                          }).ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.FeatureIndex)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.Votes).ThenByDescending(r => r.CreatedAt).First().Text);
    }

    /// <summary>The best <see cref="ExplanationScore.Primary"/> of each selected feature's scored explanations.</summary>
    internal static async Task<Dictionary<int, double>> ScoresAsync(AtlasDbContext db, int saeId, Expression<Func<ExplanationEntity, bool>> features, CancellationToken cancellationToken)
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
}
