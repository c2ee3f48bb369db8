using System.Data.Common;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace FeatureAtlas.TestSupport;

/// <summary>
/// A fresh, private database for one test: a new SQLite file in its own temp folder, or a uniquely named
/// PostgreSQL database created on the server in ATLAS_TEST_POSTGRES (an Npgsql connection string whose user may
/// CREATE DATABASE; .ci/start-postgres.sh prints one) and dropped afterwards.
/// Without ATLAS_TEST_POSTGRES a PostgreSQL case reports skipped (<see cref="CreateAsync"/> calls Assert.Skip),
/// except under CI=true, where it fails: CI must test both providers.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";
    public const string ServerVariable = "ATLAS_TEST_POSTGRES";

    private readonly string? _folder;
    private readonly string? _serverConnection;
    private readonly string? _databaseName;

    private TestDatabase(string db, string? folder, string? serverConnection, string? databaseName)
    {
        Db = db;
        _folder = folder;
        _serverConnection = serverConnection;
        _databaseName = databaseName;
    }

    /// <summary>The <c>--db</c> string: the SQLite file path or the PostgreSQL connection string.</summary>
    public string Db { get; }

    public bool IsSqlite => _folder is not null;

    /// <summary>The SQLite file, or null on PostgreSQL.</summary>
    public string? FilePath => IsSqlite ? Db : null;

    /// <summary>Why a PostgreSQL case cannot run here.</summary>
    public const string MissingServer = ServerVariable + " is not set, so this PostgreSQL case cannot run; set it to a server whose user may CREATE DATABASE (.ci/start-postgres.sh prints one).";

    /// <summary>A fresh database for one test; without a PostgreSQL server the test is reported skipped.</summary>
    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        var database = await TryCreateAsync(provider);
        if (database is null) Assert.Skip(MissingServer);
        return database;
    }

    /// <summary>
    /// A fresh database, or null when the provider's server is not configured, for fixtures (which cannot skip the
    /// tests that use them; each such test calls Assert.Skip itself). Under CI=true a missing server fails.
    /// </summary>
    public static async Task<TestDatabase?> TryCreateAsync(string provider)
    {
        if (provider == Sqlite)
        {
            var folder = Path.Combine(Path.GetTempPath(), "atlas-data-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            return new TestDatabase(Path.Combine(folder, "atlas.db"), folder, null, null);
        }

        var server = Environment.GetEnvironmentVariable(ServerVariable);
        if (string.IsNullOrWhiteSpace(server))
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail($"{ServerVariable} is not set, so the PostgreSQL cases cannot run; CI must start a server first: export {ServerVariable}=\"$(bash .ci/start-postgres.sh)\".");
            }
            return null;
        }
        var name = "atlas_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        var db = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        return new TestDatabase(db, null, server, name);
    }

    public Task<AtlasStores> OpenAsync() => AtlasDatabase.OpenAsync(Db, CancellationToken.None);

    /// <summary>Runs raw SQL on the database with the provider's own client, outside FeatureAtlas.</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using DbConnection connection = IsSqlite ? new SqliteConnection($"Data Source={Db}") : new NpgsqlConnection(Db);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_folder is not null)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A file still open elsewhere; the temp folder is cleaned by the system.
            }
            return;
        }
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_serverConnection);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
