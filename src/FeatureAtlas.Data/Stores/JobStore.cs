using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// Long jobs and their shards on SQLite or PostgreSQL; each call uses its own short-lived context, and every state
/// change is one conditional UPDATE, so two workers racing on a job never both win and a killed one leaves a whole row.
/// </summary>
public sealed class JobStore(AtlasDatabase database) : IJobStore
{
    /// <summary>The stage of a sharded job while its shards run: Done and Total count corpus windows.</summary>
    public const string ShardStage = "windows";

    private static readonly string[] Finished = [JobStates.Succeeded, JobStates.Failed, JobStates.Cancelled];

    public async Task<JobRecord> CreateJobAsync(string kind, string optionsJson, int? userId, string? title, IReadOnlyList<(int First, int Count)> shards, string? runningOn,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(optionsJson);
        ArgumentNullException.ThrowIfNull(shards);
        await using var db = database.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var row = new JobEntity
        {
            Kind = kind, State = runningOn is null ? JobStates.Queued : JobStates.Running, OptionsJson = optionsJson, UserId = userId,
            Title = title is null ? null : Clip(title, 256), Shards = shards.Count, CreatedAt = Now(),
            Worker = runningOn is null ? null : Clip(runningOn, 256), StartedAt = runningOn is null ? null : Now(),
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
        await using var db = database.CreateContext();
        var row = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, cancellationToken);
        if (row is null) return null;
        return (await WithShardsAsync(db, [row], cancellationToken))[0];
    }

    public async Task<IReadOnlyList<JobRecord>> ListJobsAsync(int? userId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var db = database.CreateContext();
        var query = db.Jobs.AsNoTracking();
        if (userId is { } user) query = query.Where(j => j.UserId == user);
        var rows = await query.OrderByDescending(j => j.Id).Take(limit).ToListAsync(cancellationToken);
        return await WithShardsAsync(db, rows, cancellationToken);
    }

    public async Task<IReadOnlyList<JobRecord>> ListUnfinishedJobsAsync(CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var rows = await db.Jobs.AsNoTracking().Where(j => !Finished.Contains(j.State)).OrderBy(j => j.Id).ToListAsync(cancellationToken);
        return await WithShardsAsync(db, rows, cancellationToken);
    }

    public async Task<bool> StartJobAsync(long id, string worker, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var now = Now();
        var worker256 = Clip(worker, 256);
        return await db.Jobs.Where(j => j.Id == id && !Finished.Contains(j.State))
            .ExecuteUpdateAsync(u => u.SetProperty(j => j.State, JobStates.Running).SetProperty(j => j.Worker, worker256)
                .SetProperty(j => j.StartedAt, j => j.StartedAt ?? now), cancellationToken) == 1;
    }

    public async Task ReportProgressAsync(long id, string stage, long done, long total, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var stage64 = Clip(stage, 64);
        await db.Jobs.Where(j => j.Id == id && !Finished.Contains(j.State))
            .ExecuteUpdateAsync(u => u.SetProperty(j => j.Stage, stage64).SetProperty(j => j.Done, done).SetProperty(j => j.Total, total), cancellationToken);
    }

    public async Task ReportErrorAsync(long id, string message, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        await db.Jobs.Where(j => j.Id == id).ExecuteUpdateAsync(u => u.SetProperty(j => j.Error, message), cancellationToken);
    }

    public async Task<bool> FinishJobAsync(long id, string state, string? message, CancellationToken cancellationToken)
    {
        if (!Finished.Contains(state)) throw new ArgumentException($"'{state}' is not a finished state.", nameof(state));
        await using var db = database.CreateContext();
        var now = Now();
        return await db.Jobs.Where(j => j.Id == id && !Finished.Contains(j.State))
            .ExecuteUpdateAsync(u => u.SetProperty(j => j.State, state).SetProperty(j => j.Error, j => message ?? j.Error).SetProperty(j => j.FinishedAt, now), cancellationToken) == 1;
    }

    public Task<bool> CancelJobAsync(long id, CancellationToken cancellationToken) => FinishJobAsync(id, JobStates.Cancelled, null, cancellationToken);

    public async Task<IReadOnlyList<JobShardRecord>> ListShardsAsync(long jobId, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        return await db.JobShards.AsNoTracking().Where(s => s.JobId == jobId).OrderBy(s => s.Shard)
            .Select(s => new JobShardRecord(s.JobId, s.Shard, s.First, s.Count, s.Next, s.Done, s.Attempts, s.Worker)).ToListAsync(cancellationToken);
    }

    public async Task<JobShardRecord> StartShardAsync(long jobId, int shard, string worker, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        var worker256 = Clip(worker, 256);
        var updated = await db.JobShards.Where(s => s.JobId == jobId && s.Shard == shard)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Attempts, s => s.Attempts + 1).SetProperty(s => s.Worker, worker256), cancellationToken);
        if (updated != 1) throw new KeyNotFoundException($"Job {jobId} has no shard {shard}.");
        return await db.JobShards.AsNoTracking().Where(s => s.JobId == jobId && s.Shard == shard)
            .Select(s => new JobShardRecord(s.JobId, s.Shard, s.First, s.Count, s.Next, s.Done, s.Attempts, s.Worker)).SingleAsync(cancellationToken);
    }

    public async Task<byte[]?> GetShardStateAsync(long jobId, int shard, CancellationToken cancellationToken)
    {
        await using var db = database.CreateContext();
        return await db.JobShards.AsNoTracking().Where(s => s.JobId == jobId && s.Shard == shard).Select(s => s.State).SingleOrDefaultAsync(cancellationToken);
    }

    public async Task SaveShardAsync(long jobId, int shard, int nextWindow, bool done, byte[] state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        await using var db = database.CreateContext();
        var updated = await db.JobShards.Where(s => s.JobId == jobId && s.Shard == shard)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.State, state).SetProperty(s => s.Next, nextWindow).SetProperty(s => s.Done, done), cancellationToken);
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
                    r.CreatedAt, r.StartedAt, r.FinishedAt);
            }
            // While shards run, progress is their windows; the final step (merging, saving) reports its own.
            var own = r.Stage is not null && r.Stage != ShardStage;
            return new JobRecord(r.Id, r.Kind, r.State, r.OptionsJson, r.UserId, r.Title, own ? r.Stage : ShardStage, own ? r.Done : s.Windows, own ? r.Total : s.Total,
                r.Shards, s.Done, r.Error, r.Worker,
                r.CreatedAt, r.StartedAt, r.FinishedAt);
        }).ToList();
    }

    private static string Clip(string text, int length) => text.Length <= length ? text : text[..length];

    /// <summary>To the microsecond both providers keep, in UTC.</summary>
    private static DateTimeOffset Now()
    {
        var ticks = DateTimeOffset.UtcNow.UtcTicks;
        return new DateTimeOffset(ticks - ticks % 10, TimeSpan.Zero);
    }
}
