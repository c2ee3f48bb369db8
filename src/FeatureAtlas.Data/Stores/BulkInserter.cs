using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// Fast inserts of many rows into one table inside the context's current transaction, bypassing change
/// tracking (a corpus's windows, the 24,576 feature rows of an SAE's dashboards): a reused prepared statement on
/// SQLite, binary COPY on PostgreSQL. Values always travel as parameters or COPY fields, never in SQL text.
/// </summary>
internal abstract class BulkInserter
{
    public static BulkInserter For(AtlasDbContext db) => db switch
    {
        SqliteAtlasDbContext => SqliteBulkInserter.Instance,
        PostgresAtlasDbContext => PostgresBulkInserter.Instance,
        _ => throw new NotSupportedException($"No bulk inserter for {db.GetType().Name}."),
    };

    /// <summary>Inserts <paramref name="rows"/>, enumerated once; the caller commits or rolls back.</summary>
    public abstract Task<long> InsertAsync<T>(AtlasDbContext db, IEnumerable<T> rows, CancellationToken cancellationToken)
        where T : class;

    protected static void RequireTransaction(AtlasDbContext db)
    {
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("Bulk inserts must run inside a transaction.");
    }
}
