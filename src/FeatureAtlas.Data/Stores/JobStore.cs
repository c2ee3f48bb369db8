using System.Data;
using System.Runtime.InteropServices;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// Long jobs and their shards on SQLite or PostgreSQL; each call uses its own short-lived context, and every state
/// change is one conditional UPDATE, so two workers racing on a job never both win and a killed one leaves a whole row.
/// </summary>
public sealed class JobStore(AtlasDatabase database) : Store(database), IJobStore
{
    /// <summary>The stage of a sharded dashboard build while its shards run: Done and Total count corpus windows.</summary>
    public const string ShardStage = "windows";

    /// <summary>The stage of a sharded explain run (job kind <c>explain</c>) while its shards run: Done and Total count features.</summary>
    public const string FeatureShardStage = "features";

    private static readonly string[] Finished = [JobStates.Succeeded, JobStates.Failed, JobStates.Cancelled];

    /// <summary>The lease unless <c>ATLAS_JOB_LEASE_SECONDS</c> says otherwise (tests shorten it): 60 s.</summary>
    public static TimeSpan DefaultLease { get; } = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("ATLAS_JOB_LEASE_SECONDS"), out var seconds) && seconds > 0 ? seconds : 60);

    /// <summary>How long a running job may go without a heartbeat before its owner counts as gone.</summary>
    public TimeSpan Lease { get; init; } = DefaultLease;

    public async Task<JobRecord> CreateJobAsync(string kind, string optionsJson, int? userId, string? title, IReadOnlyList<(int First, int Count)> shards, string? runningOn,
        string? subject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(optionsJson);
        ArgumentNullException.ThrowIfNull(shards);
        await using var db = CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var row = new JobEntity
        {
            Kind = kind, State = runningOn is null ? JobStates.Queued : JobStates.Running, OptionsJson = optionsJson, UserId = userId,
            Title = title is null ? null : Clip(title, 256), Shards = shards.Count, CreatedAt = Now(),
            Worker = runningOn is null ? null : Clip(runningOn, 256), StartedAt = runningOn is null ? null : Now(), HeartbeatAt = runningOn is null ? null : Now(),
            Subject = subject is null ? null : Clip(subject, 256),
        };
        db.Jobs.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        for (var i = 0; i < shards.Count; i++)
        {
            db.JobShards.Add(new JobShardEntity { JobId = row.Id, Shard = i, First = shards[i].First, Count = shards[i].Count, Next = shards[i].First });
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (await GetJobAsync(row.Id, cancellationToken))!;
    }

    public async Task<JobRecord?> GetJobAsync(long id, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var row = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, cancellationToken);
        if (row is null) return null;
        if (await ExpireAsync(db, [row], cancellationToken)) row = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id, cancellationToken);
        return (await WithShardsAsync(db, [row], cancellationToken))[0];
    }

    public async Task<IReadOnlyList<JobRecord>> ListJobsAsync(int? userId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var db = CreateContext();
        var query = db.Jobs.AsNoTracking();
        if (userId is { } user) query = query.Where(j => j.UserId == user);
        var rows = await query.OrderByDescending(j => j.Id).Take(limit).ToListAsync(cancellationToken);
        if (await ExpireAsync(db, rows, cancellationToken)) rows = await query.OrderByDescending(j => j.Id).Take(limit).ToListAsync(cancellationToken);
        return await WithShardsAsync(db, rows, cancellationToken);
    }

    public async Task<IReadOnlyList<JobRecord>> ListJobsAboutAsync(string subject, int limit, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var db = CreateContext();
        var query = db.Jobs.AsNoTracking().Where(j => j.Subject == subject);
        var rows = await query.OrderByDescending(j => j.Id).Take(limit).ToListAsync(cancellationToken);
        if (await ExpireAsync(db, rows, cancellationToken)) rows = await query.OrderByDescending(j => j.Id).Take(limit).ToListAsync(cancellationToken);
        return await WithShardsAsync(db, rows, cancellationToken);
    }

    public async Task HeartbeatAsync(long id, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var now = Now();
        await db.Jobs.Where(j => j.Id == id && j.State == JobStates.Running).ExecuteUpdateAsync(u => u.SetProperty(j => j.HeartbeatAt, now), cancellationToken);
    }

    /// <summary>
    /// Ends the lease of each running job among <paramref name="rows"/> whose owner stopped beating: a process's own job
    /// is failed (nothing else will run it), a queue's job goes back to queued (another worker takes it); true when any
    /// changed. One conditional UPDATE each, so a beat that lands meanwhile wins.
    /// </summary>
    private async Task<bool> ExpireAsync(AtlasDbContext db, IReadOnlyList<JobEntity> rows, CancellationToken cancellationToken)
    {
        var cutoff = Now() - Lease;
        var changed = false;
        foreach (var row in rows)
        {
            var seen = row.HeartbeatAt ?? row.StartedAt ?? row.CreatedAt;
            if (row.State != JobStates.Running || seen >= cutoff) continue;
            var local = row.Worker?.StartsWith(JobStates.LocalWorkerPrefix, StringComparison.Ordinal) == true;
            var since = seen.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            var message = local
                ? $"The process running this job ({row.Worker![JobStates.LocalWorkerPrefix.Length..]}) stopped without finishing: no heartbeat since {since} UTC. Its checkpoint is kept; run the same command again to continue it."
                : $"Its worker {row.Worker} stopped answering (no heartbeat since {since} UTC); the job waits for another worker, which continues it from its last save.";
            var state = local ? JobStates.Failed : JobStates.Queued;
            DateTimeOffset? finished = local ? Now() : null;
            var id = row.Id;
            var heartbeat = row.HeartbeatAt;
            changed |= await db.Jobs.Where(j => j.Id == id && j.State == JobStates.Running && j.HeartbeatAt == heartbeat)
                .ExecuteUpdateAsync(u => u.SetProperty(j => j.State, state).SetProperty(j => j.Error, message).SetProperty(j => j.FinishedAt, finished), cancellationToken) == 1;
        }
        return changed;
    }

    public async Task<IReadOnlyList<JobRecord>> ListUnfinishedJobsAsync(CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var rows = await db.Jobs.AsNoTracking().Where(j => !Finished.Contains(j.State)).OrderBy(j => j.Id).ToListAsync(cancellationToken);
        if (await ExpireAsync(db, rows, cancellationToken)) rows = await db.Jobs.AsNoTracking().Where(j => !Finished.Contains(j.State)).OrderBy(j => j.Id).ToListAsync(cancellationToken);
        return await WithShardsAsync(db, rows, cancellationToken);
    }

    public async Task<bool> StartJobAsync(long id, string worker, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var now = Now();
        var worker256 = Clip(worker, 256);
        return await db.Jobs.Where(j => j.Id == id && !Finished.Contains(j.State))
            .ExecuteUpdateAsync(u => u.SetProperty(j => j.State, JobStates.Running).SetProperty(j => j.Worker, worker256)
                .SetProperty(j => j.StartedAt, j => j.StartedAt ?? now).SetProperty(j => j.HeartbeatAt, now), cancellationToken) == 1;
    }

    public async Task ReportProgressAsync(long id, string stage, long done, long total, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var stage64 = Clip(stage, 64);
        await db.Jobs.Where(j => j.Id == id && !Finished.Contains(j.State))
            .ExecuteUpdateAsync(u => u.SetProperty(j => j.Stage, stage64).SetProperty(j => j.Done, done).SetProperty(j => j.Total, total), cancellationToken);
    }

    public async Task ReportErrorAsync(long id, string message, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        await db.Jobs.Where(j => j.Id == id).ExecuteUpdateAsync(u => u.SetProperty(j => j.Error, message), cancellationToken);
    }

    public async Task<bool> FinishJobAsync(long id, string state, string? message, CancellationToken cancellationToken)
    {
        if (!Finished.Contains(state)) throw new ArgumentException($"'{state}' is not a finished state.", nameof(state));
        await using var db = CreateContext();
        var now = Now();
        return await db.Jobs.Where(j => j.Id == id && !Finished.Contains(j.State))
            .ExecuteUpdateAsync(u => u.SetProperty(j => j.State, state).SetProperty(j => j.Error, j => message ?? j.Error).SetProperty(j => j.FinishedAt, now), cancellationToken) == 1;
    }

    public Task<bool> CancelJobAsync(long id, CancellationToken cancellationToken) => FinishJobAsync(id, JobStates.Cancelled, null, cancellationToken);

    public async Task<IReadOnlyList<JobShardRecord>> ListShardsAsync(long jobId, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        return await db.JobShards.AsNoTracking().Where(s => s.JobId == jobId).OrderBy(s => s.Shard)
            .Select(s => new JobShardRecord(s.JobId, s.Shard, s.First, s.Count, s.Next, s.Done, s.Attempts, s.Worker)).ToListAsync(cancellationToken);
    }

    public async Task<JobShardRecord> StartShardAsync(long jobId, int shard, string worker, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var worker256 = Clip(worker, 256);
        var updated = await db.JobShards.Where(s => s.JobId == jobId && s.Shard == shard)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Attempts, s => s.Attempts + 1).SetProperty(s => s.Worker, worker256), cancellationToken);
        if (updated != 1) throw new KeyNotFoundException($"Job {jobId} has no shard {shard}.");
        return await db.JobShards.AsNoTracking().Where(s => s.JobId == jobId && s.Shard == shard)
            .Select(s => new JobShardRecord(s.JobId, s.Shard, s.First, s.Count, s.Next, s.Done, s.Attempts, s.Worker)).SingleAsync(cancellationToken);
    }

    public async Task<bool> ReadShardStateAsync(long jobId, int shard, Action<Stream> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        await using var db = CreateContext();
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SELECT state FROM job_shards WHERE job_id = @job AND shard = @shard";
        foreach (var (name, value) in new (string, object)[] { ("job", jobId), ("shard", shard) })
        {
            var parameter = command.CreateParameter();
            (parameter.ParameterName, parameter.Value) = (name, value);
            command.Parameters.Add(parameter);
        }
        // Sequential access streams the column as it arrives instead of buffering the row.
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken) || await reader.IsDBNullAsync(0, cancellationToken)) return false;
        await using var column = reader.GetStream(0);
        // The state is read in small pieces (counts, headers) between large ones; the column stream is read in MBs.
        await using var buffered = new BufferedStream(column, 1 << 20);
        read(buffered);
        return true;
    }

    public async Task SaveShardAsync(long jobId, int shard, int nextWindow, bool done, ReadOnlyMemory<byte> state, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        int updated;
        if (Database.Provider == AtlasProvider.Postgres)
        {
            // Npgsql sends the bytes where they lie; EF's byte[] property would need a copy of exactly this length
            // (hundreds of MB for a wide SAE's sums) on every save.
            updated = await db.Database.ExecuteSqlRawAsync(
                "UPDATE job_shards SET state = @state, next = @next, done = @done WHERE job_id = @job AND shard = @shard",
                [new NpgsqlParameter<ReadOnlyMemory<byte>>("state", NpgsqlDbType.Bytea) { TypedValue = state }, new NpgsqlParameter<int>("next", nextWindow),
                    new NpgsqlParameter<bool>("done", done), new NpgsqlParameter<long>("job", jobId), new NpgsqlParameter<int>("shard", shard)],
                cancellationToken);
        }
        else
        {
            var bytes = MemoryMarshal.TryGetArray(state, out var whole) && whole.Offset == 0 && whole.Count == whole.Array!.Length ? whole.Array : state.ToArray();
            updated = await db.JobShards.Where(s => s.JobId == jobId && s.Shard == shard)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.State, bytes).SetProperty(s => s.Next, nextWindow).SetProperty(s => s.Done, done), cancellationToken);
        }
        if (updated != 1) throw new KeyNotFoundException($"Job {jobId} has no shard {shard}.");
    }

    /// <summary>Records of <paramref name="rows"/>; a sharded job's progress is what its shards have done.</summary>
    private static async Task<List<JobRecord>> WithShardsAsync(AtlasDbContext db, List<JobEntity> rows, CancellationToken cancellationToken)
    {
        var sharded = rows.Where(r => r.Shards > 0).Select(r => r.Id).ToList();
        var shards = sharded.Count == 0
            ? []
            : await db.JobShards.AsNoTracking().Where(s => sharded.Contains(s.JobId))
                .GroupBy(s => s.JobId)
                .Select(g => new { JobId = g.Key, Done = g.Count(s => s.Done), Windows = g.Sum(s => s.Next - s.First), Total = g.Sum(s => s.Count) })
                .ToDictionaryAsync(g => g.JobId, cancellationToken);
        return rows.Select(r =>
        {
            if (!shards.TryGetValue(r.Id, out var s))
            {
                return new JobRecord(r.Id, r.Kind, r.State, r.OptionsJson, r.UserId, r.Title, r.Stage, r.Done, r.Total, r.Shards, 0, r.Error, r.Worker,
                    r.CreatedAt, r.StartedAt, r.FinishedAt, r.Subject);
            }
            // While shards run, progress is their windows (features, for explanations); the final step (merging, saving)
            // reports its own.
            var own = r.Stage is not null && r.Stage != ShardStage;
            var shardStage = r.Kind == "explain" ? FeatureShardStage : ShardStage;
            return new JobRecord(r.Id, r.Kind, r.State, r.OptionsJson, r.UserId, r.Title, own ? r.Stage : shardStage, own ? r.Done : s.Windows, own ? r.Total : s.Total,
                r.Shards, s.Done, r.Error, r.Worker,
                r.CreatedAt, r.StartedAt, r.FinishedAt, r.Subject);
        }).ToList();
    }

    private static string Clip(string text, int length) => text.Length <= length ? text : text[..length];

}
