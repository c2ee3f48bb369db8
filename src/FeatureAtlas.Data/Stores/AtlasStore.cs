using System.Data;
using FeatureAtlas.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// The corpus and dashboard store on SQLite or PostgreSQL. Each call uses its own short-lived context, so one
/// store may serve concurrent callers. Unknown models, SAEs and corpora named by a write (or by a read that
/// needs them to exist) raise <see cref="KeyNotFoundException"/> naming them; lookups of one thing return null.
/// </summary>
public sealed partial class AtlasStore : ICorpusStore, IDashboardStore
{
    private readonly AtlasDatabase _database;

    /// <summary>A store on a database whose schema is current (see <see cref="AtlasDatabase.OpenAsync"/>).</summary>
    public AtlasStore(AtlasDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    public AtlasDatabase Database => _database;

    /// <summary>Now in UTC, to the microsecond both providers keep, so what is returned equals what is read back.</summary>
    private static DateTimeOffset Now()
    {
        var ticks = DateTimeOffset.UtcNow.UtcTicks;
        return new DateTimeOffset(ticks - ticks % 10, TimeSpan.Zero);
    }

    private static async Task<int> SaeIdAsync(AtlasDbContext db, string model, string sae, CancellationToken cancellationToken)
    {
        var id = await (from s in db.Saes
                        join m in db.Models on s.ModelId equals m.Id
                        where m.Name == model && s.Name == sae
                        select (int?)s.Id).SingleOrDefaultAsync(cancellationToken);
        if (id is not null) return id.Value;
        if (!await db.Models.AnyAsync(m => m.Name == model, cancellationToken)) throw UnknownModel(model);
        throw new KeyNotFoundException($"SAE '{sae}' of model '{model}' is not in the store.");
    }

    /// <summary>
    /// A read-only transaction whose queries all see one committed state: a deferred transaction on SQLite (WAL
    /// readers never wait for the writer), REPEATABLE READ on PostgreSQL. Disposing it ends it.
    /// </summary>
    private static async Task<IAsyncDisposable> BeginSnapshotAsync(AtlasDbContext db, CancellationToken cancellationToken)
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

    private static KeyNotFoundException UnknownModel(string model) => new($"Model '{model}' is not in the store.");
}
