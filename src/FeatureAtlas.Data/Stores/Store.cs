using System.Collections.Concurrent;
using System.Data;
using FeatureAtlas.Core.Community;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// What every store on an <see cref="AtlasDatabase"/> shares: a short-lived context per call (so one store may serve
/// concurrent callers), the clock, SAE lookups by name and read snapshots. Unknown models, SAEs and features raise
/// <see cref="KeyNotFoundException"/> naming them.
/// </summary>
public abstract class Store
{
    private protected Store(AtlasDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        Database = database;
    }

    /// <summary>The database this store reads and writes.</summary>
    public AtlasDatabase Database { get; }

    private protected AtlasDbContext CreateContext() => Database.CreateContext();

    /// <summary>Now in UTC, to the microsecond both providers keep, so what is returned equals what is read back.</summary>
    private protected static DateTimeOffset Now()
    {
        var ticks = DateTimeOffset.UtcNow.UtcTicks;
        return new DateTimeOffset(ticks - ticks % 10, TimeSpan.Zero);
    }

    private protected static async Task<int> SaeIdAsync(AtlasDbContext db, string model, string sae, CancellationToken cancellationToken)
    {
        var id = await (from s in db.Saes
                        join m in db.Models on s.ModelId equals m.Id
                        where m.Name == model && s.Name == sae
                        select (int?)s.Id).SingleOrDefaultAsync(cancellationToken);
        if (id is not null) return id.Value;
        if (!await db.Models.AnyAsync(m => m.Name == model, cancellationToken)) throw UnknownModel(model);
        throw new KeyNotFoundException($"SAE '{sae}' of model '{model}' is not in the store.");
    }

    private protected static async Task<int> ModelIdAsync(AtlasDbContext db, string model, CancellationToken cancellationToken) =>
        await db.Models.Where(m => m.Name == model).Select(m => (int?)m.Id).SingleOrDefaultAsync(cancellationToken) ?? throw UnknownModel(model);

    /// <summary>The SAE row id and width behind a name pair (cached per database); unknown names raise <see cref="KeyNotFoundException"/>.</summary>
    private protected async Task<(int Id, int DSae)> SaeRowAsync(AtlasDbContext db, string model, string sae, CancellationToken cancellationToken)
    {
        var cache = Database.SaeRows;
        if (cache.TryGetValue((model, sae), out var hit)) return hit;
        var id = await SaeIdAsync(db, model, sae, cancellationToken);
        var dSae = await db.Saes.Where(s => s.Id == id).Select(s => s.DSae).SingleAsync(cancellationToken);
        cache[(model, sae)] = (id, dSae);
        return (id, dSae);
    }

    /// <summary>The SAE row id of a feature, checking the index is inside the SAE (when its width is known).</summary>
    private protected async Task<int> FeatureSaeIdAsync(AtlasDbContext db, FeatureKey feature, CancellationToken cancellationToken)
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

    /// <summary>
    /// A read-only transaction whose queries all see one committed state: a deferred transaction on SQLite (WAL
    /// readers never wait for the writer), REPEATABLE READ on PostgreSQL. Disposing it ends it.
    /// </summary>
    private protected static async Task<IAsyncDisposable> BeginSnapshotAsync(AtlasDbContext db, CancellationToken cancellationToken)
    {
        if (db is not SqliteAtlasDbContext) return await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        var transaction = ((SqliteConnection)db.Database.GetDbConnection()).BeginTransaction(deferred: true);
        await db.Database.UseTransactionAsync(transaction, cancellationToken);
        return new SqliteSnapshot(db, transaction);
    }

    private sealed class SqliteSnapshot(AtlasDbContext db, SqliteTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await db.Database.UseTransactionAsync(null);
            await transaction.DisposeAsync();
            await db.Database.CloseConnectionAsync();
        }
    }

    private protected static KeyNotFoundException UnknownModel(string model) => new($"Model '{model}' is not in the store.");
}
