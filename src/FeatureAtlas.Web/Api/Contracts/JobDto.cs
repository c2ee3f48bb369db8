using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A job on the wire: what it is, its state, progress (stage, done of total) and shards, and its error.</summary>
public sealed record JobDto(long Id, string Kind, string? Title, string State, string? Stage, long Done, long Total, int Shards, int ShardsDone,
    string? Error, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt)
{
    public static JobDto Of(JobRecord job) =>
        new(job.Id, job.Kind, job.Title, job.State, job.Stage, job.Done, job.Total, job.Shards, job.ShardsDone, job.Error, job.CreatedAt, job.FinishedAt);
}
