using System.Diagnostics;
using Npgsql;

namespace FeatureAtlas.Cli.Tests.Commands;

/// <summary>
/// <c>atlas worker</c> processes on PostgreSQL, stopped the hard way: three workers share one sharded dashboard build,
/// a worker is SIGKILLed in the middle of a shard five times and started again, and the job still completes with
/// every window counted once: <c>atlas dashboards export</c> gives the files of a single-process build, byte for byte.
/// A worker whose database server restarts in the middle of a shard reconnects and finishes the job, with the same export.
/// An explain run split by feature range over two workers stores what one run stores.
/// </summary>
public class WorkerCommandTests(DashboardJobFixture fixture) : IClassFixture<DashboardJobFixture>
{
    private const int Kills = 5;
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    /// <summary>A killed worker's shard goes back to the queue after this long without its heartbeat.</summary>
    private static readonly Dictionary<string, string> FastRequeue = new() { ["ATLAS_JOB_INVISIBILITY_SECONDS"] = "3" };

    [Fact]
    public async Task Worker_PointedAtSqlite_SaysWorkersNeedPostgres()
    {
        var worker = AtlasProcess.Start("worker", "--db", fixture.NewPath("atlas") + ".db");
        await worker.Process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, worker.Process.ExitCode);
        var error = (await worker.ErrorText).TrimEnd();
        Assert.DoesNotContain('\n', error);
        Assert.StartsWith("error: atlas worker needs PostgreSQL", error);
    }

    [Fact]
    public async Task Workers_KilledMidShardAndRestarted_CompleteWithTheSingleProcessExport()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        var dashboards = Dashboards(tokens: 32000);
        var expected = await SingleProcessExportAsync(dashboards, "single");
        var id = await EnqueueAsync(database.Db, dashboards, shards: 16);

        var generation = 0;
        AtlasProcess StartWorker(int slot) => AtlasProcess.Start(FastRequeue,
            "worker", "--db", database.Db, "--name", $"w{slot}-{generation++}", "--checkpoint-seconds", "0.2");
        var workers = new[] { StartWorker(0), StartWorker(1), StartWorker(2) };
        var names = new List<string> { "w0-0", "w1-1", "w2-2" };
        var killed = 0;
        var watch = Stopwatch.StartNew();
        while (killed < Kills)
        {
            Assert.True(watch.Elapsed < Limit, $"Only {killed} kills in {Limit.TotalMinutes} min.");
            Assert.Null(await ScalarAsync(database.Db, $"SELECT state FROM jobs WHERE id = {id} AND state IN ('succeeded', 'failed', 'cancelled')"));
            // A shard with saved progress, not done, whose worker is alive: that worker is in the middle of it.
            var busy = (string?)await ScalarAsync(database.Db, $"SELECT worker FROM job_shards WHERE job_id = {id} AND NOT done AND next > first AND worker IN ({string.Join(", ", names.Select(n => $"'{n}'"))}) LIMIT 1");
            if (busy is null)
            {
                await Task.Delay(50);
                continue;
            }
            var slot = names.IndexOf(busy);
            Assert.Equal(0, workers[slot].Signal(9));
            await workers[slot].Process.WaitForExitAsync();
            killed++;
            names[slot] = $"w{slot}-{generation}";
            workers[slot] = StartWorker(slot);
        }

        var wait = AtlasProcess.Start("jobs", "wait", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--db", database.Db, "--timeout", "240");
        await wait.WaitAsync();
        var retried = (long)(await ScalarAsync(database.Db, $"SELECT count(*) FROM job_shards WHERE job_id = {id} AND attempts > 1"))!;
        Assert.True(retried >= 1, "No shard was started twice, so no kill landed mid-shard.");

        var export = fixture.NewPath("sharded-export");
        Assert.Equal(0, await AtlasProcess.Start("dashboards", "export", "--sae", "sae-l1", "--db", database.Db, "--out", export).WaitAsync());
        ShardedResult.AssertSameExport(expected, export);

        // SIGTERM: each worker stops cleanly with exit 0.
        foreach (var worker in workers) Assert.Equal(0, worker.Signal(15));
        foreach (var worker in workers) await worker.WaitAsync();
    }

    [Fact]
    public async Task Worker_WhenTheDatabaseRestartsMidJob_ReconnectsAndFinishesTheJob()
    {
        // A server of this test's own: restarting the shared one would cut every other test's connections.
        await using var server = await PrivatePostgres.StartAsync();
        var name = "atlas_reconnect";
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var db = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ConnectionString;
        var dashboards = Dashboards(tokens: 16000);
        var expected = await SingleProcessExportAsync(dashboards, "single-reconnect");
        var id = await EnqueueAsync(db, dashboards, shards: 8);
        var worker = AtlasProcess.Start(FastRequeue, "worker", "--db", db, "--name", "steady", "--checkpoint-seconds", "0.2");

        // Restart the server once the worker is inside a shard (saved progress, not done).
        var watch = Stopwatch.StartNew();
        while (await ScalarAsync(db, $"SELECT 1 FROM job_shards WHERE job_id = {id} AND NOT done AND next > first LIMIT 1") is null)
        {
            Assert.True(watch.Elapsed < Limit, $"No shard made progress in {Limit.TotalMinutes} min: {worker.Error}");
            Assert.False(worker.Process.HasExited, $"The worker exited before the restart: {worker.Error}");
            await Task.Delay(50);
        }
        await server.RestartAsync();
        Assert.False(worker.Process.HasExited, $"The worker exited when the server went down: {worker.Error}");

        var wait = AtlasProcess.Start("jobs", "wait", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--db", db, "--timeout", "240");
        await wait.WaitAsync();
        Assert.False(worker.Process.HasExited, $"The worker exited: {worker.Error}");
        var retried = (long)(await ScalarAsync(db, $"SELECT count(*) FROM job_shards WHERE job_id = {id} AND attempts > 1"))!;
        Assert.True(retried >= 1, "No shard was started twice, so the restart cut no work in progress.");
        var export = fixture.NewPath("reconnect-export");
        Assert.Equal(0, await AtlasProcess.Start("dashboards", "export", "--sae", "sae-l1", "--db", db, "--out", export).WaitAsync());
        ShardedResult.AssertSameExport(expected, export);

        Assert.Equal(0, worker.Signal(15));
        await worker.WaitAsync();
    }

    [Fact]
    public async Task Workers_ExplainSplitByFeatureRange_StoreTheExplanationsOfOneRun()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        var single = fixture.NewPath("explain-single") + ".db";
        foreach (var db in new[] { single, database.Db })
        {
            Assert.Equal(0, await AtlasProcess.Start("corpus", "add", "--name", "windows", "--jsonl", fixture.CorpusFile, "--db", db).WaitAsync());
            Assert.Equal(0, await AtlasProcess.Start(["dashboards", "build", .. Dashboards(tokens: 6400), "--db", db, "--checkpoint-dir", fixture.NewPath("checkpoints")]).WaitAsync());
        }
        string[] explain = ["explain", "--model", "model", "--sae", "sae-l1"];
        Assert.Equal(0, await AtlasProcess.Start([.. explain, "--db", single, "--checkpoint-dir", fixture.NewPath("explain-local")]).WaitAsync());

        var enqueue = AtlasProcess.Start([.. explain, "--db", database.Db, "--enqueue", "--shards", "3", "--checkpoint-dir", fixture.NewPath("explain-shared")]);
        Assert.Equal(0, await enqueue.WaitAsync());
        var id = (await enqueue.OutputText).Trim();
        var workers = new[] { AtlasProcess.Start("worker", "--db", database.Db, "--name", "e1"), AtlasProcess.Start("worker", "--db", database.Db, "--name", "e2") };
        Assert.Equal(0, await AtlasProcess.Start("jobs", "wait", id, "--db", database.Db, "--timeout", "240").WaitAsync());

        Assert.Equal(3L, await ScalarAsync(database.Db, $"SELECT count(*) FROM job_shards WHERE job_id = {id} AND done AND next = first + count"));
        Assert.Equal(await ExplanationsAsync(single), await ExplanationsAsync(database.Db));
        foreach (var worker in workers) Assert.Equal(0, worker.Signal(15));
        foreach (var worker in workers) await worker.WaitAsync();
    }

    /// <summary><c>atlas explain export</c> of the fixture's SAE, without the rows' creation times.</summary>
    private async Task<string> ExplanationsAsync(string db)
    {
        var path = fixture.NewPath("explanations") + ".json";
        Assert.Equal(0, await AtlasProcess.Start("explain", "export", "--model", "model", "--sae", "sae-l1", "--db", db, "--out", path).WaitAsync());
        var rows = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsArray();
        Assert.Equal(96, rows.Count);
        foreach (var row in rows) row!.AsObject().Remove("createdAt");
        return rows.ToJsonString();
    }

    /// <summary>The dashboards build both tests run, over <paramref name="tokens"/> tokens.</summary>
    private string[] Dashboards(int tokens) =>
        ["--model", fixture.ModelDirectory, "--sae", fixture.SaeDirectory, "--corpus", "windows", "--tokens", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--batch", "1", "--top", "8", "--intervals", "4", "--interval-examples", "3", "--name", "model"];

    /// <summary>The reference: the build run by one process on SQLite, exported to a folder (returned).</summary>
    private async Task<string> SingleProcessExportAsync(string[] dashboards, string name)
    {
        var single = fixture.NewPath(name) + ".db";
        Assert.Equal(0, await AtlasProcess.Start("corpus", "add", "--name", "windows", "--jsonl", fixture.CorpusFile, "--db", single).WaitAsync());
        Assert.Equal(0, await AtlasProcess.Start(["dashboards", "build", .. dashboards, "--db", single, "--checkpoint-dir", fixture.NewPath("checkpoints")]).WaitAsync());
        var export = fixture.NewPath(name + "-export");
        Assert.Equal(0, await AtlasProcess.Start("dashboards", "export", "--sae", "sae-l1", "--db", single, "--out", export).WaitAsync());
        return export;
    }

    /// <summary>Adds the corpus to <paramref name="db"/> and enqueues the build in <paramref name="shards"/> shards; the job's id.</summary>
    private async Task<long> EnqueueAsync(string db, string[] dashboards, int shards)
    {
        Assert.Equal(0, await AtlasProcess.Start("corpus", "add", "--name", "windows", "--jsonl", fixture.CorpusFile, "--db", db).WaitAsync());
        var enqueue = AtlasProcess.Start(["dashboards", "build", .. dashboards, "--db", db, "--enqueue", "--shards", shards.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await enqueue.WaitAsync();
        return long.Parse((await enqueue.OutputText).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<object?> ScalarAsync(string db, string sql)
    {
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }
}
