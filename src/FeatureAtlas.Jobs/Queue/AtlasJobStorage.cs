using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace FeatureAtlas.Jobs.Queue;

/// <summary>
/// Hangfire's storage for a FeatureAtlas database. PostgreSQL: Hangfire.PostgreSql in the same database, in its own
/// schema <c>hangfire</c>, shared by every worker. SQLite (one machine): Hangfire's in-memory storage, with the
/// durable record in our own <c>jobs</c> table (re-queued by <see cref="JobPump"/> when a process starts). We chose
/// that over the community SQLite storage (Hangfire.Storage.SQLite 0.4, on sqlite-net) because it would bring a
/// second SQLite binding and its own native library beside Microsoft.Data.Sqlite, and because the <c>jobs</c> table
/// is needed anyway: it is what users list, cancel and wait on, on both providers.
/// </summary>
public static class AtlasJobStorage
{
    public const string Schema = "hangfire";

    /// <summary>
    /// Seconds a fetched shard stays invisible to other workers after its worker stops heart-beating (killed, or cut
    /// off from the database): then another worker takes it. Sliding, so a long shard on a live worker is never taken.
    /// </summary>
    public static TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("ATLAS_JOB_INVISIBILITY_SECONDS"), out var seconds) && seconds > 0 ? seconds : 60);

    public static JobStorage InMemory() => new InMemoryStorage(new InMemoryStorageOptions { IdType = InMemoryStorageIdType.Long });

    /// <summary>
    /// The connection string Hangfire gets: the database's own, named <c>atlas-jobs</c> (after any application name
    /// it gives), which makes it a pool of its own. Hangfire's polling and heartbeats then never wait for a connection
    /// behind page reads in the database's pool, whose size is capped (<c>AtlasDatabase.DefaultMaxPoolSize</c>). Its
    /// connections reset their session when they go back to the pool, whatever the database's pool does: Hangfire's
    /// storage is not ours to vouch for, and it opens few connections.
    /// </summary>
    public static string OwnPool(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = false };
        builder.ApplicationName = string.IsNullOrEmpty(builder.ApplicationName) ? "atlas-jobs" : builder.ApplicationName + " atlas-jobs";
        return builder.ConnectionString;
    }

    public static JobStorage Postgres(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = Schema,
            PrepareSchemaIfNecessary = true,
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = InvisibilityTimeout,
            QueuePollInterval = TimeSpan.FromMilliseconds(500),
            DistributedLockTimeout = TimeSpan.FromSeconds(30),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(OwnPool(connectionString), options), options);
    }
}
