using System.Collections.Concurrent;
using System.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// Open <see cref="PreparedSqliteConnection"/>s to one SQLite file, lent to one context at a time: a hot read runs its
/// statements on a connection that has run them before. Idle connections are kept up to a bound and others closed;
/// one that comes back in any doubtful state (closed, mid-transaction) is closed, not kept.
/// </summary>
internal sealed class PreparedSqliteConnections(string connectionString)
{
    // Enough for every thread that reads at once on a busy server (the thread pool ran 6–9 threads at 64 connections).
    private const int MaxIdle = 16;

    // Outside Microsoft.Data.Sqlite's own pool: these connections are never closed while kept.
    private readonly string _connectionString = new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
    private readonly ConcurrentBag<PreparedSqliteConnection> _idle = [];

    /// <summary>Lends <paramref name="db"/> an open connection until the lease is disposed (dispose it before the context).</summary>
    public Lease Lend(AtlasDbContext db)
    {
        if (!_idle.TryTake(out var connection))
        {
            connection = new PreparedSqliteConnection(_connectionString);
            connection.Open();
        }
        db.Database.SetDbConnection(connection, contextOwnsConnection: false);
        return new Lease(this, connection);
    }

    private void Return(PreparedSqliteConnection connection)
    {
        if (connection.State == ConnectionState.Open && !connection.InTransaction && _idle.Count < MaxIdle) _idle.Add(connection);
        else connection.Dispose();
    }

    public readonly struct Lease(PreparedSqliteConnections owner, PreparedSqliteConnection connection) : IDisposable
    {
        /// <summary>The connection lent.</summary>
        public PreparedSqliteConnection Connection => connection;

        public void Dispose() => owner.Return(connection);
    }
}
