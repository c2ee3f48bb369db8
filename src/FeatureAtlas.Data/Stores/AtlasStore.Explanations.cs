using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

public sealed partial class AtlasStore : IExplanationStore
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
        await using var db = _database.CreateContext();
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
        await using var db = _database.CreateContext();
        var saeId = await SaeIdAsync(db, model, sae, cancellationToken);
        var rows = await db.Explanations.AsNoTracking()
            .Where(e => e.SaeId == saeId && e.FeatureIndex == feature)
            .OrderBy(e => e.Id)
            .ToListAsync(cancellationToken);
        return rows.Select(ToRecord).ToArray();
    }

    public async Task<IReadOnlyList<ExplanationRecord>> ListExplanationsAsync(string model, string sae, string? method, int offset, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        await using var db = _database.CreateContext();
        var saeId = await SaeIdAsync(db, model, sae, cancellationToken);
        var query = db.Explanations.AsNoTracking().Where(e => e.SaeId == saeId);
        if (method is not null) query = query.Where(e => e.Method == method);
        var rows = await query.OrderBy(e => e.FeatureIndex).ThenBy(e => e.Method).ThenBy(e => e.Id)
            .Skip(offset).Take(count)
            .ToListAsync(cancellationToken);
        return rows.Select(ToRecord).ToArray();
    }

    private static ExplanationRecord ToRecord(ExplanationEntity e) => new(e.FeatureIndex, e.Text, e.Method, e.ModelName, e.ScoresJson, e.CreatedAt, e.AuthorId);
}
