using System.Collections.Concurrent;
using FeatureAtlas.Data.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace FeatureAtlas.Data;

/// <summary>
/// Where a FeatureAtlas store lives, from the <c>--db</c> string: a PostgreSQL connection string (it contains
/// '=', e.g. <c>Host=127.0.0.1;Database=atlas;Username=atlas;Password=…</c>) or URI (<c>postgres://</c>,
/// <c>postgresql://</c>), otherwise a SQLite file path. <see cref="OpenAsync"/> brings the schema up to date
/// and refuses a database this version cannot read.
/// </summary>
public sealed class AtlasDatabase
{
    private const string HistoryTable = "__EFMigrationsHistory";

    /// <summary>EF Core's SQLite migration lock: one row while a process migrates.</summary>
    private const string SqliteLockTable = "__EFMigrationsLock";

    private readonly DbContextOptions _options;

    private AtlasDatabase(AtlasProvider provider, string connectionString, string description, DbContextOptions options)
    {
        Provider = provider;
        ConnectionString = connectionString;
        Description = description;
        _options = options;
        if (options is DbContextOptions<PostgresAtlasDbContext> postgres) _postgresContexts = new PooledDbContextFactory<PostgresAtlasDbContext>(postgres, PooledContexts);
    }

    // Contexts kept for reuse on PostgreSQL (EF Core's context pooling); one in use past these is created and dropped.
    private const int PooledContexts = 1024;

    private readonly PooledDbContextFactory<PostgresAtlasDbContext>? _postgresContexts;

    public AtlasProvider Provider { get; }

    /// <summary>The provider's connection string (for PostgreSQL it may hold a password: never log it).</summary>
    public string ConnectionString { get; }

    /// <summary>Names the database in messages: the SQLite file, or PostgreSQL host, port and database.</summary>
    public string Description { get; }

    public static AtlasProvider DetectProvider(string db)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(db);
        if (db.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || db.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || db.Contains("host=", StringComparison.OrdinalIgnoreCase))
        {
            return AtlasProvider.Postgres;
        }
        // Any other key=value string is a connection string we do not know; a file of that name is surely a mistake.
        if (db.Contains('=') && db.Contains(';'))
        {
            throw new ArgumentException($"'{Redact(db)}' looks like a connection string but has no Host=: give a SQLite file path or a PostgreSQL connection string (Host=...;Database=...).");
        }
        return AtlasProvider.Sqlite;
    }

    private static string Redact(string db) => System.Text.RegularExpressions.Regex.Replace(db, "(?i)(password|pwd)=[^;]*", "$1=***");

    /// <summary>Describes the database without touching it; <see cref="MigrateAsync"/> before first use.</summary>
    public static AtlasDatabase Create(string db)
    {
        if (DetectProvider(db) == AtlasProvider.Sqlite)
        {
            var path = Path.GetFullPath(db);
            var connection = new SqliteConnectionStringBuilder { DataSource = path, ForeignKeys = true }.ToString();
            var options = new DbContextOptionsBuilder<SqliteAtlasDbContext>().UseSqlite(connection).Options;
            return new AtlasDatabase(AtlasProvider.Sqlite, connection, $"SQLite file '{path}'", options);
        }
        else
        {
            var builder = PostgresConnectionString.Parse(db);
            // Npgsql prepares a statement on the server once a pooled connection has run it twice, so the feature
            // page's statements are parsed and planned once per connection rather than per view (unless the
            // connection string sets its own limit). Parsing and planning were half of PostgreSQL's CPU per page.
            // (The builder's ContainsKey is true for every keyword it knows, set or not: the value says.)
            if (builder.MaxAutoPrepare == 0) (builder.MaxAutoPrepare, builder.AutoPrepareMinUsages) = (64, 2);
            // At most a few connections per core work at once (unless the connection string says): under 64 page
            // requests at a time, Npgsql's default of 100 let 64 PostgreSQL backends contend for two cores, and
            // capping them at 8 cut PostgreSQL's CPU per page by about a fifth (benchmarks/FeatureAtlas.Benchmarks/README.md).
            if (!IsSet(builder, "Maximum Pool Size")) builder.MaxPoolSize = DefaultMaxPoolSize;
            // A connection going back to the pool keeps its session as it is (unless the connection string says): with
            // statements prepared, Npgsql's reset is seven statements (RESET ALL, CLOSE ALL, UNLISTEN *, ...) sent ahead
            // of the next use, a sixth of PostgreSQL's CPU per feature page. FeatureAtlas sets no session state on pooled
            // connections (the migration lock has its own), and an open transaction is still rolled back. Hangfire's
            // pool keeps the reset (AtlasJobStorage.OwnPool).
            if (!IsSet(builder, "No Reset On Close")) builder.NoResetOnClose = true;
            var options = new DbContextOptionsBuilder<PostgresAtlasDbContext>().UseNpgsql(builder.ConnectionString).Options;
            var description = $"PostgreSQL database '{builder.Database}' on {builder.Host}:{builder.Port}";
            return new AtlasDatabase(AtlasProvider.Postgres, builder.ConnectionString, description, options);
        }
    }

    /// <summary>Npgsql's pool size when the connection string sets none: four connections per core, at least 8.</summary>
    public static int DefaultMaxPoolSize { get; } = Math.Max(8, 4 * Environment.ProcessorCount);

    // Whether the connection string itself gave a keyword (under any of its synonyms): the builder writes back only the
    // keywords that were set, by their canonical names.
    private static bool IsSet(NpgsqlConnectionStringBuilder builder, string keyword) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = builder.ConnectionString }.ContainsKey(keyword);

    /// <summary>Opens the database, creating or migrating it, and returns its stores.</summary>
    public static async Task<AtlasStores> OpenAsync(string db, CancellationToken cancellationToken)
    {
        var database = Create(db);
        try
        {
            await database.MigrateAsync(cancellationToken);
        }
        catch (Exception e) when (database.Provider == AtlasProvider.Postgres && Cause(e) is { } cause)
        {
            // EF wraps a refused connection in "An exception has been raised that is likely due to a transient
            // failure.", which names neither the server nor what went wrong.
            throw new IOException($"Cannot open {database.Description}: {cause}", e);
        }
        return new AtlasStores(database);
    }

    /// <summary>What Npgsql said and why (e.g. "Failed to connect to 127.0.0.1:5433: Connection refused"), or null.</summary>
    private static string? Cause(Exception e)
    {
        var npgsql = Chain(e).OfType<NpgsqlException>().FirstOrDefault();
        if (npgsql is null) return null;
        var messages = Chain(npgsql).Select(x => x.Message.TrimEnd('.')).Distinct().ToList();
        return string.Join(": ", messages) + ".";
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException) yield return x;
    }

    /// <summary>
    /// (model, sae) → (SAE row id, d_sae), shared by every store on this database. Rows are never renamed or deleted,
    /// so a hit stays true; misses are not cached.
    /// </summary>
    internal ConcurrentDictionary<(string Model, string Sae), (int Id, int DSae)> SaeRows { get; } = new();

    /// <summary>
    /// On SQLite, kept open connections for the hottest reads (a feature page, a model's sources), whose statements
    /// stay prepared (<see cref="PreparedSqliteConnection"/>); null on PostgreSQL, where Npgsql prepares on the server.
    /// </summary>
    internal PreparedSqliteConnections? PreparedReads => Provider == AtlasProvider.Sqlite ? LazyInitializer.EnsureInitialized(ref _preparedReads, () => new PreparedSqliteConnections(ConnectionString)) : null;

    private PreparedSqliteConnections? _preparedReads;

    /// <summary>
    /// A context on this database, which the caller disposes; cheap, the model is built once. On PostgreSQL it comes
    /// from EF Core's context pool and goes back, reset, when disposed: a new context's services, scope and sets were a
    /// fifth of a PostgreSQL feature page's allocation (benchmarks/FeatureAtlas.Benchmarks/README.md). SQLite keeps a
    /// new context each time, because the page's read lends it a prepared connection
    /// (<see cref="PreparedSqliteConnections.Lend"/>), which a pooled context would keep after its reset.
    /// </summary>
    public AtlasDbContext CreateContext() => Provider == AtlasProvider.Sqlite
        ? new SqliteAtlasDbContext((DbContextOptions<SqliteAtlasDbContext>)_options)
        : _postgresContexts!.CreateDbContext();

    /// <summary>
    /// Creates the database if missing and applies this version's pending migrations. A database holding tables
    /// but no FeatureAtlas migration history, or migrations this version does not know (a newer FeatureAtlas),
    /// raises <see cref="InvalidDataException"/> and is left untouched. One process at a time checks and migrates,
    /// under a lock that dies with its holder (<see cref="SqliteMigrationGuard"/>, <see cref="PostgresMigrationGuard"/>),
    /// so a killed command blocks nobody; waiting longer than <see cref="MigrationLockTimeout"/> for a live one raises
    /// <see cref="InvalidOperationException"/> saying so.
    /// </summary>
    public Task MigrateAsync(CancellationToken cancellationToken) => MigrateAsync(MigrationLockTimeout, cancellationToken);

    /// <summary>How long a command waits for another live process's migration of the same database.</summary>
    public static readonly TimeSpan MigrationLockTimeout = TimeSpan.FromSeconds(30);

    internal async Task MigrateAsync(TimeSpan lockTimeout, CancellationToken cancellationToken)
    {
        await using var guard = await AcquireMigrationGuardAsync(lockTimeout, cancellationToken);
        if (Provider == AtlasProvider.Sqlite) await CreateSqliteFileWholeAsync(cancellationToken);
        await using var db = CreateContext();
        var upToDate = false;
        if (await db.GetService<IRelationalDatabaseCreator>().ExistsAsync(cancellationToken))
        {
            var tables = await ListTablesAsync(db, cancellationToken);
            upToDate = await CheckIsOursAsync(db, tables, cancellationToken);
            if (Provider == AtlasProvider.Sqlite && tables.Contains(SqliteLockTable))
            {
                // We hold the guard, so no live FeatureAtlas process is inside EF's lock: any row is a dead one's.
                await db.Database.ExecuteSqlRawAsync($"DELETE FROM \"{SqliteLockTable}\";", cancellationToken);
            }
        }
        // EF's Migrate builds the migrations' model and compares it with the current one even when nothing is
        // pending, most of a short command's second of CPU; a database holding every migration skips it.
        if (!upToDate) await db.Database.MigrateAsync(cancellationToken);
        if (Provider == AtlasProvider.Sqlite)
        {
            // Readers keep reading the old dashboards while a new set is written; persistent in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    /// <summary>The SQLite file this database is (SQLite only).</summary>
    private string SqliteFile => new SqliteConnectionStringBuilder(ConnectionString).DataSource;

    /// <summary>
    /// A new SQLite file is built under a side name and renamed into place once its whole schema is there. EF Core's
    /// SQLite migrations commit part way through a table rebuild (PRAGMA foreign_keys cannot change inside a
    /// transaction), so a process killed while it created the schema in place left a file the next command could not
    /// migrate ("duplicate column name"). A side file such a kill leaves is discarded; the caller holds the migration lock.
    /// </summary>
    private async Task CreateSqliteFileWholeAsync(CancellationToken cancellationToken)
    {
        var path = SqliteFile;
        if (File.Exists(path) && new FileInfo(path).Length > 0) return;
        var building = path + "-creating";
        foreach (var leftover in new[] { building, building + "-journal", building + "-wal", building + "-shm" }) File.Delete(leftover);
        var connection = new SqliteConnectionStringBuilder(ConnectionString) { DataSource = building, Pooling = false }.ToString();
        await using (var db = new SqliteAtlasDbContext(new DbContextOptionsBuilder<SqliteAtlasDbContext>().UseSqlite(connection).Options))
        {
            await db.Database.MigrateAsync(cancellationToken);
        }
        // An empty file (created by opening it, never written) is replaced; a rename is atomic.
        File.Move(building, path, overwrite: true);
    }

    /// <summary>The lock that lets one process at a time check and migrate this database, and dies with its holder.</summary>
    private async Task<IAsyncDisposable> AcquireMigrationGuardAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Provider == AtlasProvider.Sqlite)
        {
            var path = SqliteFile;
            var folder = Path.GetDirectoryName(path);
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Cannot create {Description}: folder '{folder}' does not exist.");
            return await SqliteMigrationGuard.AcquireAsync(path, Description, timeout, cancellationToken);
        }
        // The advisory lock needs a session on the database itself, so create it first; of two processes creating it
        // at once, the second is told it exists.
        await using (var db = CreateContext())
        {
            var creator = db.GetService<IRelationalDatabaseCreator>();
            if (!await creator.ExistsAsync(cancellationToken))
            {
                try
                {
                    await creator.CreateAsync(cancellationToken);
                }
                catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
                {
                    // Created by the other process meanwhile.
                }
            }
        }
        return await PostgresMigrationGuard.AcquireAsync(ConnectionString, Description, timeout, cancellationToken);
    }

    /// <summary>
    /// Raises <see cref="InvalidDataException"/> for a database that is not ours or is newer than this version;
    /// true when it already holds every migration this version knows.
    /// </summary>
    private async Task<bool> CheckIsOursAsync(AtlasDbContext db, HashSet<string> tables, CancellationToken cancellationToken)
    {
        var hasHistory = tables.Contains(HistoryTable);
        var others = tables.Where(t => !t.StartsWith("__EFMigrations", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (!hasHistory)
        {
            if (others.Count == 0) return false;
            throw new InvalidDataException($"{Description} is not a FeatureAtlas database: it holds tables ({Names(others)}) but no migration history. Use a new file or an empty database.");
        }

        var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
        var known = db.Database.GetMigrations().ToList();
        var unknown = applied.Except(known).ToList();
        if (unknown.Count == 0) return known.All(applied.Contains);
        if (applied.Count == unknown.Count)
        {
            throw new InvalidDataException($"{Description} is not a FeatureAtlas database: its migration history ({Names(unknown)}) has none of FeatureAtlas's migrations.");
        }
        throw new InvalidDataException(
            $"{Description} was written by a newer FeatureAtlas: migrations {Names(unknown)} are unknown to this version, whose latest is {known[^1]}. Upgrade FeatureAtlas to use it.");
    }

    private async Task<HashSet<string>> ListTablesAsync(AtlasDbContext db, CancellationToken cancellationToken)
    {
        var sql = Provider == AtlasProvider.Sqlite
            ? "SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            : "SELECT tablename AS \"Value\" FROM pg_catalog.pg_tables WHERE schemaname = current_schema()";
        try
        {
            return (await db.Database.SqlQueryRaw<string>(sql).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 26) // SQLITE_NOTADB
        {
            throw new InvalidDataException($"{Description} is not a FeatureAtlas database: it is not an SQLite file.", e);
        }
    }

    private static string Names(IEnumerable<string> names)
    {
        var list = names.ToList();
        return string.Join(", ", list.Take(5)) + (list.Count > 5 ? $", … ({list.Count} in all)" : "");
    }
}
