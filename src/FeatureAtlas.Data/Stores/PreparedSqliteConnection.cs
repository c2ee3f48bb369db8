using System.Data;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// A SQLite connection that stays open and keeps each statement it has run prepared, so that running the same SQL
/// again skips SQLite's parser and planner. Microsoft.Data.Sqlite prepares a statement per command object and EF Core
/// makes a command per query, so a feature page compiled its four statements on every view: that was 14% of the
/// page's CPU under load (perf, 600k synthetic features), and executing them under 1%. Commands this connection
/// creates hand their SQL and parameters to one kept command per distinct SQL text at execution.
/// </summary>
/// <remarks>
/// One user at a time (see <see cref="PreparedSqliteConnections"/>). Closing the connection would drop the prepared
/// statements, so it is opened once and only disposed.
/// </remarks>
internal sealed class PreparedSqliteConnection(string connectionString) : SqliteConnection(connectionString)
{
    // At most this many distinct SQL texts keep a prepared command; past it, the least recently added is dropped. The
    // feature page runs four; the cap bounds memory if other SQL ever runs here.
    private const int MaxPrepared = 32;

    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>Whether a transaction is open on the connection, as SQLite sees it (one left open must not be lent again).</summary>
    public bool InTransaction => Transaction is not null || raw.sqlite3_get_autocommit(Handle) == 0;

    public override SqliteCommand CreateCommand() => new ForwardingCommand(this) { CommandTimeout = DefaultTimeout, Transaction = Transaction };

    private SqliteCommand Prepared(string sql)
    {
        if (_prepared.TryGetValue(sql, out var command)) return command;
        if (_prepared.Count >= MaxPrepared && _prepared.Remove(_order.Dequeue(), out var dropped)) dropped.Dispose();
        command = base.CreateCommand();
        command.CommandText = sql;
        _prepared[sql] = command;
        _order.Enqueue(sql);
        return command;
    }

    /// <summary>A command that runs as its connection's kept command for the same SQL (every Execute funnels through ExecuteReader).</summary>
    private sealed class ForwardingCommand : SqliteCommand
    {
        private readonly PreparedSqliteConnection _connection;

        public ForwardingCommand(PreparedSqliteConnection connection)
        {
            _connection = connection;
            Connection = connection;
        }

        public override SqliteDataReader ExecuteReader(CommandBehavior behavior)
        {
            var kept = _connection.Prepared(CommandText);
            kept.Parameters.Clear();
            foreach (SqliteParameter parameter in Parameters) kept.Parameters.Add(parameter);
            kept.Transaction = Transaction;
            kept.CommandTimeout = CommandTimeout;
            return kept.ExecuteReader(behavior);
        }
    }
}
