using System.Diagnostics;
using FeatureAtlas.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// Every <c>atlas</c> command migrates its database first. Killed at any moment of that (SIGKILL: no clean-up runs),
/// it must leave nothing that makes the next command wait: issue 14 saw a stale EF Core migration lock row hang every
/// later command on the file for good.
/// </summary>
public sealed partial class MigrationKillTests : IDisposable
{
    private const string PostgresVariable = "ATLAS_TEST_POSTGRES";

    /// <summary>Generous for a loaded CI machine's process start; without the fix the command never ends.</summary>
    private static readonly TimeSpan NextCommandLimit = TimeSpan.FromSeconds(60);

    private readonly string _root = Directory.CreateTempSubdirectory("atlas-kill-").FullName;
    private readonly List<string> _postgresDatabases = [];

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Cli_KilledAtRandomMomentsOfStartup_NextCommandSucceeds(string provider)
    {
        // Kill times spread over how long one whole command takes here (most of it is the runtime starting), so some
        // kills land inside the migration whatever the machine's speed.
        var first = NewDatabase(provider);

        var watch = Stopwatch.StartNew();
        Assert.Equal(0, await AtlasProcess.Start("corpus", "list", "--db", first).WaitAsync());
        var whole = (int)watch.ElapsedMilliseconds;
        var random = new Random(14);
        for (var round = 0; round < 6; round++)
        {
            // Even rounds start on a fresh database, so the kill lands in the creation of the whole schema; odd rounds
            // on the previous round's (complete or half-made), as the issue's `corpus list` did.
            var db = round % 2 == 0 ? NewDatabase(provider)! : _last!;
            _last = db;
            var process = AtlasProcess.Start("corpus", "list", "--db", db);
            var delay = random.Next(whole / 3, whole);
            await Task.Delay(delay);
            if (!process.Process.HasExited) Assert.Equal(0, process.Signal(9));
            await process.Process.WaitForExitAsync();

            var next = AtlasProcess.Start("corpus", "list", "--db", db);
            var finished = await next.Process.WaitForExitAsync(new CancellationTokenSource(NextCommandLimit).Token).ContinueWith(t => t.IsCompletedSuccessfully);
            if (!finished) next.Process.Kill();
            Assert.True(finished, $"Round {round} (killed after {delay} of {whole} ms): the next command was still waiting after {NextCommandLimit.TotalSeconds} s.");
            Assert.True(next.Process.ExitCode == 0, $"Round {round} (killed after {delay} ms): exit {next.Process.ExitCode}: {await next.ErrorText}");
        }
        await AssertFullyMigratedAsync(_last!);
    }

    [Fact]
    public async Task Cli_StaleSqliteLockRowLeftByAKilledProcess_NextCommandSucceeds()
    {
        var db = NewDatabase("sqlite")!;
        Assert.Equal(0, await AtlasProcess.Start("corpus", "list", "--db", db).WaitAsync());
        // The row a process killed inside EF Core's SQLite migration lock leaves behind.
        await using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO \"__EFMigrationsLock\" (\"Id\", \"Timestamp\") VALUES (1, '2026-12-01 10:00:00+00:00')";
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        var next = AtlasProcess.Start("corpus", "list", "--db", db);
        var finished = await next.Process.WaitForExitAsync(new CancellationTokenSource(NextCommandLimit).Token).ContinueWith(t => t.IsCompletedSuccessfully);
        if (!finished) next.Process.Kill();
        Assert.True(finished, $"The command was still waiting on the stale lock after {NextCommandLimit.TotalSeconds} s.");
        Assert.Equal(0, next.Process.ExitCode);
    }

    private string? _last;

    private string NewDatabase(string provider)
    {
        if (provider == "sqlite") return Path.Combine(_root, $"atlas-{Guid.NewGuid():N}.db");
        var server = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrWhiteSpace(server))
        {
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), $"{PostgresVariable} is not set; CI must test PostgreSQL.");
            Assert.Skip(TestDatabase.MissingServer);
        }
        // Not created here: the command creates it, so a kill can land in CREATE DATABASE too.
        var name = "atlas_kill_" + Guid.NewGuid().ToString("N")[..16];
        _postgresDatabases.Add(name);
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    private static async Task AssertFullyMigratedAsync(string db)
    {
        var store = await AtlasDatabase.OpenAsync(db, CancellationToken.None);
        await using var context = store.Database.CreateContext();
        Assert.Equal(context.Database.GetMigrations(), await context.Database.GetAppliedMigrationsAsync(CancellationToken.None));
        Assert.Empty(await store.Corpora.ListCorporaAsync(CancellationToken.None));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
        if (_postgresDatabases.Count == 0) return;
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable(PostgresVariable));
        connection.Open();
        foreach (var name in _postgresDatabases)
        {
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            drop.ExecuteNonQuery();
        }
    }
}
