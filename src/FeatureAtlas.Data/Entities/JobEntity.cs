namespace FeatureAtlas.Data.Entities;

/// <summary>A long job (table <c>jobs</c>); see Core's <c>JobRecord</c>.</summary>
public sealed class JobEntity
{
    public long Id { get; set; }

    public required string Kind { get; set; }

    public required string State { get; set; }

    public required string OptionsJson { get; set; }

    public int? UserId { get; set; }

    public string? Title { get; set; }

    public string? Stage { get; set; }

    public long Done { get; set; }

    public long Total { get; set; }

    public int Shards { get; set; }

    public string? Error { get; set; }

    public string? Worker { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>When a process running this job last said it is alive (every few seconds); a running job whose heartbeat is older than the lease has lost its owner.</summary>
    public DateTimeOffset? HeartbeatAt { get; set; }

    /// <summary>What the job is about, for pages that show it: <c>model/sae</c> for an SAE's upload chain; null otherwise.</summary>
    public string? Subject { get; set; }
}
