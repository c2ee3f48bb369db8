using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>Feature maps: each SAE's own UMAP, and joint maps over several SAEs of a model.</summary>
public sealed class UmapStore(AtlasDatabase database) : Store(database), IUmapStore
{
    public async Task SaveUmapAsync(string model, string sae, float[] coordinates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(coordinates);
        await using var db = CreateContext();
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
        await using var db = CreateContext();
        var (saeId, _) = await SaeRowAsync(db, model, sae, cancellationToken);
        var rows = await db.UmapPoints.AsNoTracking().Where(p => p.SaeId == saeId).OrderBy(p => p.FeatureIndex)
            .Select(p => new { p.FeatureIndex, p.X, p.Y }).ToListAsync(cancellationToken);
        if (rows.Count == 0) return null;
        return new UmapPoints(rows.Select(r => r.FeatureIndex).ToArray(), rows.Select(r => r.X).ToArray(), rows.Select(r => r.Y).ToArray());
    }

    public async Task SaveJointUmapAsync(string model, string name, IReadOnlyList<string> saes, float[] coordinates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(coordinates);
        JointUmapName.Check(name);
        JointUmapSaes.Check(saes, nameof(saes));
        await using var db = CreateContext();
        var modelId = await ModelIdAsync(db, model, cancellationToken);
        var rows = new List<(int Id, int DSae)>();
        foreach (var sae in saes) rows.Add(await SaeRowAsync(db, model, sae, cancellationToken));
        var points = rows.Sum(r => (long)r.DSae);
        if (coordinates.Length != points * 2)
        {
            throw new ArgumentException(
                $"SAEs {string.Join(", ", saes.Select((s, i) => $"'{s}' ({rows[i].DSae})"))} have {points} features together, so the map needs {points * 2} coordinates; {coordinates.Length} were given.",
                nameof(coordinates));
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Deleting the map cascades to its SAEs and their points.
        await db.JointUmaps.Where(m => m.ModelId == modelId && m.Name == name).ExecuteDeleteAsync(cancellationToken);
        var map = new JointUmapEntity { ModelId = modelId, Name = name, CreatedAt = Now() };
        db.JointUmaps.Add(map);
        await db.SaveChangesAsync(cancellationToken);   // gives the map its id
        db.JointUmapSaes.AddRange(rows.Select((r, i) => new JointUmapSaeEntity { MapId = map.Id, SaeId = r.Id, Position = i }));
        await db.SaveChangesAsync(cancellationToken);
        await BulkInserter.For(db).InsertAsync(db, JointPoints(map.Id, rows, coordinates), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static IEnumerable<JointUmapPointEntity> JointPoints(int mapId, List<(int Id, int DSae)> saes, float[] coordinates)
    {
        var p = 0;
        foreach (var (saeId, dSae) in saes)
        {
            for (var i = 0; i < dSae; i++, p++)
            {
                yield return new JointUmapPointEntity { MapId = mapId, SaeId = saeId, FeatureIndex = i, X = coordinates[2 * p], Y = coordinates[2 * p + 1] };
            }
        }
    }

    public async Task<JointUmapPoints?> GetJointUmapAsync(string model, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(name);
        await using var db = CreateContext();
        await using var snapshot = await BeginSnapshotAsync(db, cancellationToken);
        var map = await (from j in db.JointUmaps
                         join m in db.Models on j.ModelId equals m.Id
                         where m.Name == model && j.Name == name
                         select (int?)j.Id).SingleOrDefaultAsync(cancellationToken);
        if (map is null) return null;
        var saes = await (from s in db.JointUmapSaes
                          join sae in db.Saes on s.SaeId equals sae.Id
                          where s.MapId == map
                          orderby s.Position
                          select new { s.SaeId, sae.Name }).ToListAsync(cancellationToken);
        var position = saes.Select((s, i) => (s.SaeId, i)).ToDictionary(x => x.SaeId, x => x.i);
        var rows = await db.JointUmapPoints.AsNoTracking().Where(p => p.MapId == map)
            .Select(p => new { p.SaeId, p.FeatureIndex, p.X, p.Y }).ToListAsync(cancellationToken);
        rows = rows.OrderBy(r => position[r.SaeId]).ThenBy(r => r.FeatureIndex).ToList();
        return new JointUmapPoints(name, saes.Select(s => s.Name).ToArray(), rows.Select(r => position[r.SaeId]).ToArray(),
            rows.Select(r => r.FeatureIndex).ToArray(), rows.Select(r => r.X).ToArray(), rows.Select(r => r.Y).ToArray());
    }

    public async Task<IReadOnlyList<JointUmapInfo>> ListJointUmapsAsync(string model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        await using var db = CreateContext();
        var modelId = await ModelIdAsync(db, model, cancellationToken);
        var maps = await db.JointUmaps.AsNoTracking().Where(m => m.ModelId == modelId).OrderBy(m => m.Name)
            .Select(m => new { m.Id, m.Name, m.CreatedAt, Points = db.JointUmapPoints.Count(p => p.MapId == m.Id) }).ToListAsync(cancellationToken);
        var ids = maps.Select(m => m.Id).ToArray();
        var saes = await (from s in db.JointUmapSaes
                          join sae in db.Saes on s.SaeId equals sae.Id
                          where ids.Contains(s.MapId)
                          select new { s.MapId, s.Position, sae.Name }).ToListAsync(cancellationToken);
        return maps.Select(m => new JointUmapInfo(model, m.Name,
            saes.Where(s => s.MapId == m.Id).OrderBy(s => s.Position).Select(s => s.Name).ToArray(), m.Points, m.CreatedAt)).ToArray();
    }

    /// <summary>The names of the model's SAEs that have a map of their own, by name.</summary>
    public async Task<IReadOnlyList<string>> ListSaesWithUmapAsync(string model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        await using var db = CreateContext();
        return await (from s in db.Saes
                      join m in db.Models on s.ModelId equals m.Id
                      where m.Name == model && db.UmapPoints.Any(p => p.SaeId == s.Id)
                      orderby s.Name
                      select s.Name).ToListAsync(cancellationToken);
    }
}
