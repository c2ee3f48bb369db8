using FeatureAtlas.Data.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using SQLitePCL;

namespace FeatureAtlas.Data.Tests.Stores;

/// <summary>
/// Kept SQLite connections for hot reads: EF Core's queries on a lent connection run as statements SQLite prepared
/// once (its own run counter shows one statement run again and again), writes made elsewhere show on the next read,
/// and a connection given back mid-transaction is closed, never lent again.
/// </summary>
public sealed class PreparedSqliteConnectionsTests
{
    private const int StatementRuns = 6; // SQLITE_STMTSTATUS_RUN

    private static async Task<(TestDatabase Db, AtlasStores Store, AtlasDatabase Database)> OpenAsync()
    {
        var db = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var store = await db.OpenAsync();
        return (db, store, AtlasDatabase.Create(db.Db));
    }

    // The most times any statement prepared on the connection has run.
    private static int MostRuns(PreparedSqliteConnection connection)
    {
        var most = 0;
        for (var stmt = raw.sqlite3_next_stmt(connection.Handle, null); stmt is not null && !stmt.IsInvalid; stmt = raw.sqlite3_next_stmt(connection.Handle, stmt))
        {
            most = Math.Max(most, raw.sqlite3_stmt_status(stmt, StatementRuns, 0));
        }
        return most;
    }

    [Fact]
    public async Task Lend_SameQueryAgain_RunsTheStatementPreparedTheFirstTime()
    {
        var (db, store, database) = await OpenAsync();
        await using var _ = db;
        await store.Models.UpsertModelAsync(new("gpt2", "/m", "{}", 12, 768, 50257, null), CancellationToken.None);
        // Without the foreign-keys pragma, opening prepares nothing before the statement list below is switched on.
        var connections = new PreparedSqliteConnections(new SqliteConnectionStringBuilder(database.ConnectionString) { ForeignKeys = null }.ToString());

        PreparedSqliteConnection? first = null;
        for (var i = 1; i <= 3; i++)
        {
            await using var context = database.CreateContext();
            using var lease = connections.Lend(context);
            if (first is null)
            {
                first = lease.Connection;
                // SQLitePCL lists a connection's statements (sqlite3_next_stmt) from when this is called.
                first.Handle!.enable_sqlite3_next_stmt(true);
            }
            var name = "gpt2";
            Assert.Equal(768, await context.Models.Where(m => m.Name == name).Select(m => m.DModel).SingleAsync());
            Assert.Same(first, lease.Connection);
            Assert.Equal(i, MostRuns(lease.Connection));
        }
    }

    [Fact]
    public async Task Lend_AfterAWriteElsewhere_ReadsTheWrite()
    {
        var (db, store, database) = await OpenAsync();
        await using var _ = db;
        var connections = new PreparedSqliteConnections(database.ConnectionString);
        async Task<int> CountAsync()
        {
            await using var context = database.CreateContext();
            using var lease = connections.Lend(context);
            return await context.Models.CountAsync();
        }

        Assert.Equal(0, await CountAsync());
        await store.Models.UpsertModelAsync(new("gpt2", "/m", "{}", 12, 768, 50257, null), CancellationToken.None);
        Assert.Equal(1, await CountAsync());
    }

    [Fact]
    public async Task Return_MidTransaction_ClosesTheConnectionInsteadOfKeepingIt()
    {
        var (db, _, database) = await OpenAsync();
        await using var __ = db;
        var connections = new PreparedSqliteConnections(database.ConnectionString);
        PreparedSqliteConnection left;
        await using (var context = database.CreateContext())
        {
            using var lease = connections.Lend(context);
            left = lease.Connection;
            await context.Database.ExecuteSqlRawAsync("BEGIN;");
            await context.Models.CountAsync();
        }

        await using var next = database.CreateContext();
        using var again = connections.Lend(next);
        Assert.NotSame(left, again.Connection);
        Assert.Equal(System.Data.ConnectionState.Closed, left.State);
        Assert.Equal(0, await next.Models.CountAsync());
    }
}
