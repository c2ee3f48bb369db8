using System.Diagnostics;
using Npgsql;

namespace FeatureAtlas.Data;

/// <summary>
/// One FeatureAtlas process at a time migrates a PostgreSQL database. EF Core's own lock (LOCK TABLE on the history
/// table) lives in each migration's transaction, so two processes starting on a fresh database both read "nothing
/// applied" and then apply the same migrations one after the other; the second fails half-way ("index … does not
/// exist"). This guard is a session-level advisory lock taken on its own unpooled connection for the whole check and
/// migration: the server drops it when the session ends, so a killed holder blocks nobody. A holder that stays alive
/// longer than the timeout makes the waiter fail with a message saying so.
/// </summary>
internal sealed class PostgresMigrationGuard : IAsyncDisposable
{
    /// <summary>The advisory lock key (advisory locks are per database): "FAtlasMg" as 8 ASCII bytes.</summary>
    private const long Key = 0x4641_746C_6173_4D67;

    private readonly NpgsqlConnection _connection;

    private PostgresMigrationGuard(NpgsqlConnection connection) => _connection = connection;

    public static async Task<PostgresMigrationGuard> AcquireAsync(string connectionString, string description, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Unpooled: a pooled connection goes back to the pool still holding the session and its lock.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            var watch = Stopwatch.StartNew();
            var delay = TimeSpan.FromMilliseconds(25);
            while (true)
            {
                await using (var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({Key})", connection))
                {
                    if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!) return new PostgresMigrationGuard(connection);
                }
                if (watch.Elapsed >= timeout)
                {
                    throw new InvalidOperationException(
                        $"{description} is being created or upgraded by another FeatureAtlas process, which still holds its migration lock after {timeout.TotalSeconds:0} s. " +
                        "Wait for that process to finish (or stop it), then run the command again.");
                }
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Closing the unpooled connection ends the session, which releases the lock.
        await _connection.DisposeAsync();
    }
}
