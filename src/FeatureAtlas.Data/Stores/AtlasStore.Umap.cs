using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

public sealed partial class AtlasStore : IUmapStore
{
    public async Task SaveUmapAsync(string model, string sae, float[] coordinates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(coordinates);
        await using var db = _database.CreateContext();
        var (saeId, dSae) = await SaeRowAsync(db, model, sae, cancellationToken);
        if (coordinates.Length % 2 != 0 || (dSae > 0 && coordinates.Length != dSae * 2))
        {
            throw new ArgumentException($"SAE '{sae}' has {dSae} features, so its map needs {dSae * 2} coordinates; {coordinates.Length} were given.", nameof(coordinates));
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.UmapPoints.Where(p => p.SaeId == saeId).ExecuteDeleteAsync(cancellationToken);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        for (var i = 0; i < coordinates.Length / 2; i++)
        {
            db.UmapPoints.Add(new UmapPointEntity { SaeId = saeId, FeatureIndex = i, X = coordinates[2 * i], Y = coordinates[2 * i + 1] });
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<UmapPoints?> GetUmapAsync(string model, string sae, CancellationToken cancellationToken)
    {
        await using var db = _database.CreateContext();
        var (saeId, _) = await SaeRowAsync(db, model, sae, cancellationToken);
        var rows = await db.UmapPoints.AsNoTracking().Where(p => p.SaeId == saeId).OrderBy(p => p.FeatureIndex)
            .Select(p => new { p.FeatureIndex, p.X, p.Y }).ToListAsync(cancellationToken);
        if (rows.Count == 0) return null;
        return new UmapPoints(rows.Select(r => r.FeatureIndex).ToArray(), rows.Select(r => r.X).ToArray(), rows.Select(r => r.Y).ToArray());
    }
}
