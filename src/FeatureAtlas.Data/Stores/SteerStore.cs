using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>Saved steering runs and steering vectors on SQLite or PostgreSQL; each call uses its own short-lived context.</summary>
public sealed class SteerStore(AtlasDatabase database) : Store(database), ISteerStore
{
    public async Task<SteerRunRecord?> GetSteerRunAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var db = CreateContext();
        var row = await db.SteerRuns.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        return row is null ? null : ToRecord(row);
    }

    public async Task<SteerRunRecord> SaveSteerRunAsync(SteerRunRecord run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        await using var db = CreateContext();
        db.SteerRuns.Add(new SteerRunEntity
        {
            Id = run.Id, Hash = run.Hash, Model = run.Model, EngineVersion = run.EngineVersion, SettingsJson = run.SettingsJson,
            ResultJson = run.ResultJson, UserId = run.UserId, CreatedAt = Truncate(run.CreatedAt),
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The same settings finished first in another request: that saved run is the answer.
            db.ChangeTracker.Clear();
            return await GetSteerRunAsync(run.Id, cancellationToken) ?? throw new InvalidOperationException($"Steer run {run.Id} could not be saved.");
        }
        return run with { CreatedAt = Truncate(run.CreatedAt) };
    }

    public async Task<SteerVectorRecord> SaveSteerVectorAsync(SteerVectorRecord vector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vector);
        await using var db = CreateContext();
        var row = new SteerVectorEntity
        {
            UserId = vector.UserId, Model = vector.Model, Hook = vector.Hook, Vector = Blobs.FromFloat32s(vector.Vector),
            Label = vector.Label, DefaultStrength = vector.DefaultStrength, CreatedAt = Truncate(vector.CreatedAt),
        };
        db.SteerVectors.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return vector with { Id = row.Id, CreatedAt = row.CreatedAt };
    }

    public async Task<SteerVectorRecord?> GetSteerVectorAsync(int id, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var row = await db.SteerVectors.AsNoTracking().SingleOrDefaultAsync(v => v.Id == id, cancellationToken);
        return row is null ? null : ToRecord(row);
    }

    public async Task<IReadOnlyList<SteerVectorRecord>> ListSteerVectorsAsync(int userId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var db = CreateContext();
        var rows = await db.SteerVectors.AsNoTracking().Where(v => v.UserId == userId).OrderByDescending(v => v.Id).Take(limit).ToListAsync(cancellationToken);
        return [.. rows.Select(ToRecord)];
    }

    public async Task<bool> DeleteSteerVectorAsync(FeatureAtlas.Core.Community.Actor actor, int id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = CreateContext();
        var row = await db.SteerVectors.SingleOrDefaultAsync(v => v.Id == id, cancellationToken);
        if (row is null) return false;
        if (!actor.Owns(row.UserId)) throw new FeatureAtlas.Core.Community.ForbiddenException($"Vector {id} belongs to another user.");
        db.SteerVectors.Remove(row);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private static SteerVectorRecord ToRecord(SteerVectorEntity row) =>
        new(row.Id, row.UserId, row.Model, row.Hook, Blobs.ToFloat32s(row.Vector, $"steer_vectors[{row.Id}].vector"), row.Label, row.DefaultStrength, row.CreatedAt);

    private static SteerRunRecord ToRecord(SteerRunEntity r) =>
        new(r.Id, r.Hash, r.Model, r.EngineVersion, r.SettingsJson, r.ResultJson, r.UserId, r.CreatedAt);

    /// <summary>To the microsecond both providers keep, in UTC.</summary>
    private static DateTimeOffset Truncate(DateTimeOffset t)
    {
        var ticks = t.UtcTicks;
        return new DateTimeOffset(ticks - ticks % 10, TimeSpan.Zero);
    }
}
