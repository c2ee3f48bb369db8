namespace FeatureAtlas.Core.Storage;

/// <summary>
/// One piece of a sharded job (table <c>job_shards</c>): corpus windows [First, First + Count), how far it got
/// (<see cref="Next"/>), whether it is done, how many times a worker started it, and the last worker's name. Its
/// accumulated state is read and written separately (<see cref="IJobStore.ReadShardStateAsync"/>).
/// </summary>
public sealed record JobShardRecord(long JobId, int Shard, int First, int Count, int Next, bool Done, int Attempts, string? Worker);
