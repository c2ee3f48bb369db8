namespace FeatureAtlas.Data.Entities;

/// <summary>One shard of a job and its accumulated state (table <c>job_shards</c>); see Core's <c>JobShardRecord</c>.</summary>
public sealed class JobShardEntity
{
    public long JobId { get; set; }

    public int Shard { get; set; }

    public int First { get; set; }

    public int Count { get; set; }

    public int Next { get; set; }

    public bool Done { get; set; }

    public int Attempts { get; set; }

    public string? Worker { get; set; }

    /// <summary>The shard's accumulator checkpoint (DashboardBuilder.WriteCheckpoint), replaced whole on each save.</summary>
    public byte[]? State { get; set; }
}
