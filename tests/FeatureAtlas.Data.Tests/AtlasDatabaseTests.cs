using FeatureAtlas.Data.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Tests;

public sealed class AtlasDatabaseTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [InlineData("atlas.db", AtlasProvider.Sqlite)]
    [InlineData("/data/atlas v2.db", AtlasProvider.Sqlite)]
    [InlineData("Host=127.0.0.1;Port=5432;Database=atlas;Username=atlas", AtlasProvider.Postgres)]
    [InlineData("postgres://atlas:secret@db/atlas", AtlasProvider.Postgres)]
    [InlineData("PostgreSQL://db/atlas", AtlasProvider.Postgres)]
    public void DetectProvider_DbString_PicksTheEngine(string db, AtlasProvider expected) =>
        Assert.Equal(expected, AtlasDatabase.DetectProvider(db));

    [Fact]
    public void DetectProvider_ConnectionStringWithoutHost_IsAnErrorWithThePasswordHidden()
    {
        var error = Assert.Throws<ArgumentException>(() => AtlasDatabase.DetectProvider("Data Source=atlas.db;Password=secret"));
        Assert.Contains("Host=", error.Message);
        Assert.DoesNotContain("secret", error.Message);
    }

    [Theory]
    [InlineData("Host=db;Database=atlas", 64, 2)]
    [InlineData("Host=db;Database=atlas;Max Auto Prepare=10", 10, 5)]
    [InlineData("postgresql://db/atlas", 64, 2)]
    public void Create_Postgres_PreparesRepeatedStatementsUnlessTheConnectionStringSays(string db, int maxAutoPrepare, int minUsages)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(AtlasDatabase.Create(db).ConnectionString);

        Assert.Equal((maxAutoPrepare, minUsages), (builder.MaxAutoPrepare, builder.AutoPrepareMinUsages));
    }

    [Theory]
    [InlineData("Host=db;Database=atlas", null)]
    [InlineData("postgresql://db/atlas", null)]
    [InlineData("Host=db;Database=atlas;Maximum Pool Size=100", 100)]
    [InlineData("Host=db;Database=atlas;maximum pool size=3", 3)]
    [InlineData("Host=db;Database=atlas;MaxPoolSize=40", 40)]
    [InlineData("postgresql://db/atlas?Maximum%20Pool%20Size=12", 12)]
    public void Create_Postgres_CapsThePoolAtFourConnectionsPerCoreUnlessTheConnectionStringSays(string db, int? given)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(AtlasDatabase.Create(db).ConnectionString);

        Assert.Equal(given ?? Math.Max(8, 4 * Environment.ProcessorCount), builder.MaxPoolSize);
    }

    [Theory]
    [InlineData("Host=db;Database=atlas", true)]
    [InlineData("postgresql://db/atlas", true)]
    [InlineData("Host=db;Database=atlas;No Reset On Close=false", false)]
    [InlineData("Host=db;Database=atlas;noresetonclose=False", false)]
    [InlineData("postgresql://db/atlas?No%20Reset%20On%20Close=false", false)]
    public void Create_Postgres_KeepsSessionsOnReturnToThePoolUnlessTheConnectionStringSays(string db, bool expected)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(AtlasDatabase.Create(db).ConnectionString);

        Assert.Equal(expected, builder.NoResetOnClose);
    }

    [Fact]
    public void CreateContext_Postgres_ReusesADisposedContextWithItsSettingsReset()
    {
        var database = AtlasDatabase.Create("Host=db;Database=atlas");

        var first = database.CreateContext();
        first.ChangeTracker.AutoDetectChangesEnabled = false;
        first.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        var second = database.CreateContext();
        Assert.NotSame(first, second);      // never one context for two users at once
        first.Dispose();
        var third = database.CreateContext();

        Assert.Same(first, third);
        Assert.True(third.ChangeTracker.AutoDetectChangesEnabled);
        Assert.Equal(QueryTrackingBehavior.TrackAll, third.ChangeTracker.QueryTrackingBehavior);
    }

    [Fact]
    public void CreateContext_Sqlite_NeverReusesAContext()
    {
        var database = AtlasDatabase.Create(Path.Combine(Path.GetTempPath(), "never-opened.db"));

        var first = database.CreateContext();
        first.Dispose();

        Assert.NotSame(first, database.CreateContext());
    }

    [Fact]
    public void Create_PostgresUri_BecomesNpgsqlConnectionString()
    {
        var database = AtlasDatabase.Create("postgresql://atlas:p%40ss@db.internal:5433/atlas?sslmode=disable&Timeout=7");

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString);
        Assert.Equal(("db.internal", 5433, "atlas", "atlas", "p@ss", 7), (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password, builder.Timeout));
        Assert.Equal(Npgsql.SslMode.Disable, builder.SslMode);
        Assert.DoesNotContain("p@ss", database.Description);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task OpenAsync_FreshDatabase_AppliesEveryMigration(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);

        var store = await db.OpenAsync();

        await using var context = store.Database.CreateContext();
        var applied = await context.Database.GetAppliedMigrationsAsync(None);
        Assert.NotEmpty(applied);
        Assert.Equal(context.Database.GetMigrations(), applied);
        Assert.Empty(await context.Database.GetPendingMigrationsAsync(None));
        Assert.Empty(await store.Models.ListModelsAsync(None));
    }

    [Fact]
    public async Task OpenAsync_NewSqliteFile_BuiltBesideIt_DiscardsWhatAKilledCreationLeft()
    {
        await using var db = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        // What a command killed while it created the schema leaves: a side file with part of it (the column a
        // half-applied migration had added, which made the next command fail with "duplicate column name").
        var side = db.FilePath + "-creating";
        await using (var connection = new SqliteConnection($"Data Source={side};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE source_sets (id INTEGER PRIMARY KEY, creator_id INTEGER)";
            await create.ExecuteNonQueryAsync();
        }

        var store = await db.OpenAsync();

        await using var context = store.Database.CreateContext();
        Assert.Equal(context.Database.GetMigrations(), await context.Database.GetAppliedMigrationsAsync(None));
        Assert.Empty(await store.Models.ListModelsAsync(None));
        Assert.False(File.Exists(side));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task OpenAsync_ExistingDatabase_KeepsItsData(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var first = await db.OpenAsync();
        var info = await first.Corpora.AddCorpusAsync("moby", "m", 4, [[1, 2, 3]], replace: false, None);

        var second = await db.OpenAsync();

        Assert.Equal(info, await second.Corpora.GetCorpusAsync("moby", None));
        Assert.Equal([[1, 2, 3]], await second.Corpora.ReadWindowsAsync("moby", 0, 1, None));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task OpenAsync_UnrelatedTables_ThrowsInvalidDataAndTouchesNothing(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await db.ScalarAsync("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");

        var error = await Assert.ThrowsAsync<InvalidDataException>(db.OpenAsync);

        Assert.Contains("is not a FeatureAtlas database", error.Message);
        Assert.Contains("customers", error.Message);
        Assert.Equal(1L, Convert.ToInt64(await db.ScalarAsync(CountTablesSql(db))));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task OpenAsync_ForeignMigrationHistory_ThrowsInvalidData(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await db.ScalarAsync("CREATE TABLE \"__EFMigrationsHistory\" (\"MigrationId\" varchar(150) PRIMARY KEY, \"ProductVersion\" varchar(32) NOT NULL)");
        await db.ScalarAsync("INSERT INTO \"__EFMigrationsHistory\" VALUES ('20200101000000_ShopInitial', '8.0.0')");

        var error = await Assert.ThrowsAsync<InvalidDataException>(db.OpenAsync);

        Assert.Contains("is not a FeatureAtlas database", error.Message);
        Assert.Contains("20200101000000_ShopInitial", error.Message);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task OpenAsync_HistoryLackingTheLatestMigration_AppliesIt(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var first = await db.OpenAsync();
        await using var context = first.Database.CreateContext();
        var latest = context.Database.GetMigrations().Last();
        await db.ScalarAsync($"DELETE FROM \"__EFMigrationsHistory\" WHERE \"MigrationId\" = '{latest}'");

        var second = await db.OpenAsync();

        await using var after = second.Database.CreateContext();
        Assert.Equal(after.Database.GetMigrations(), await after.Database.GetAppliedMigrationsAsync(None));
    }

    [Fact]
    public async Task OpenAsync_Postgres_StoresShardStatesUncompressedOutOfLine()
    {
        await using var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        await db.OpenAsync();

        var storage = await db.ScalarAsync("SELECT attstorage::text FROM pg_attribute WHERE attrelid = 'job_shards'::regclass AND attname = 'state'");

        Assert.Equal("e", storage as string);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task OpenAsync_NewerMigrations_ThrowsInvalidData(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var store = await db.OpenAsync();
        await store.Corpora.AddCorpusAsync("moby", "m", 4, [[1]], replace: false, None);
        await db.ScalarAsync("INSERT INTO \"__EFMigrationsHistory\" VALUES ('29990101000000_FromTheFuture', '99.0.0')");

        var error = await Assert.ThrowsAsync<InvalidDataException>(db.OpenAsync);

        Assert.Contains("newer FeatureAtlas", error.Message);
        Assert.Contains("29990101000000_FromTheFuture", error.Message);
    }

    [Fact]
    public async Task OpenAsync_FileThatIsNotSqlite_ThrowsInvalidData()
    {
        await using var db = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await File.WriteAllTextAsync(db.FilePath!, "name,value\nmoby,1\n" + new string('x', 4096), TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<InvalidDataException>(db.OpenAsync);

        Assert.Contains(db.FilePath!, error.Message);
        Assert.Contains("not an SQLite file", error.Message);
    }

    [Fact]
    public async Task OpenAsync_SqliteFolderMissing_ThrowsNamingIt()
    {
        var path = Path.Combine(Path.GetTempPath(), "atlas-no-such-folder-" + Guid.NewGuid().ToString("N"), "atlas.db");

        var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => AtlasDatabase.OpenAsync(path, None));

        Assert.Contains(Path.GetDirectoryName(path)!, error.Message);
    }

    [Fact]
    public async Task OpenAsync_Sqlite_UsesWalAndForeignKeys()
    {
        await using var db = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var store = await db.OpenAsync();

        Assert.Equal("wal", await db.ScalarAsync("PRAGMA journal_mode"));
        await using var context = store.Database.CreateContext();
        await context.Database.OpenConnectionAsync(None);
        await using var command = context.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA foreign_keys";
        Assert.Equal(1L, await command.ExecuteScalarAsync(None));
        Assert.IsType<SqliteConnection>(context.Database.GetDbConnection());
    }

    [Fact]
    public async Task OpenAsync_StaleEfMigrationLockRow_ClearsItAndOpens()
    {
        // What a process killed while it held EF Core's SQLite migration lock leaves behind: the lock row. Without the
        // guard every later open waited for that row forever.
        await using var db = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await db!.OpenAsync();
        await db.ScalarAsync("INSERT INTO \"__EFMigrationsLock\" (\"Id\", \"Timestamp\") VALUES (1, '2026-12-01 10:00:00+00:00')");

        var store = await db.OpenAsync().WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Empty(await store.Corpora.ListCorporaAsync(None));
        Assert.Equal(0L, await db.ScalarAsync("SELECT count(*) FROM \"__EFMigrationsLock\""));
    }

    [Fact]
    public async Task MigrateAsync_AnotherLiveProcessMigrating_FailsWithinTheTimeoutSayingWhatToDo()
    {
        await using var db = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await db!.OpenAsync();
        // A live holder: the same exclusive lock another process takes while it migrates.
        var lockPath = SqliteMigrationGuard.LockPath(db.FilePath!);
        await using (new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(
                () => AtlasDatabase.Create(db.Db).MigrateAsync(TimeSpan.FromSeconds(1), None).WaitAsync(TimeSpan.FromSeconds(20)));

            Assert.Contains(db.FilePath!, error.Message);
            Assert.Contains("another FeatureAtlas process", error.Message);
            Assert.Contains("run the command again", error.Message);
        }

        await db.OpenAsync().WaitAsync(TimeSpan.FromSeconds(20));   // the holder is gone: the next open goes ahead
    }

    [Fact]
    public async Task MigrateAsync_AnotherLiveProcessMigratingPostgres_FailsWithinTheTimeoutSayingWhatToDo()
    {
        await using var db = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        await db.OpenAsync();
        // A live holder: another session holding the migration's advisory lock.
        await using var holder = new Npgsql.NpgsqlConnection(db.Db);
        await holder.OpenAsync();
        await using (var take = new Npgsql.NpgsqlCommand("SELECT pg_advisory_lock(x'4641746C61734D67'::bigint)", holder)) await take.ExecuteScalarAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => AtlasDatabase.Create(db.Db).MigrateAsync(TimeSpan.FromSeconds(1), None).WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Contains("another FeatureAtlas process", error.Message);
        Assert.Contains("run the command again", error.Message);
        await holder.CloseAsync();
        Npgsql.NpgsqlConnection.ClearAllPools();   // ends the holder's session, as its process's death would
        await db.OpenAsync().WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task OpenAsync_FourAtOnceOnAFreshDatabase_EachMigratesOrWaitsItsTurn(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(db.OpenAsync))).WaitAsync(TimeSpan.FromSeconds(60));

        await using var context = stores[0].Database.CreateContext();
        Assert.Equal(context.Database.GetMigrations(), await context.Database.GetAppliedMigrationsAsync(None));
        foreach (var store in stores) Assert.Empty(await store.Corpora.ListCorporaAsync(None));
    }

    private static string CountTablesSql(TestDatabase db) => db.IsSqlite
        ? "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        : "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()";
}
