namespace FeatureAtlas.Core.Storage;

/// <summary>
/// A long job as users see it (table <c>jobs</c>): what it is (<see cref="Kind"/> and its options as JSON), who asked
/// (<see cref="UserId"/>, null from the command line), where it stands (<see cref="State"/>, a stage and units done of
/// total), its error when it failed, and what it is about (<see cref="Subject"/>: <c>model/sae</c> for an SAE's upload chain). A sharded job's Done sums its shards' progress.
/// </summary>
public sealed record JobRecord(
    long Id, string Kind, string State, string OptionsJson, int? UserId, string? Title,
    string? Stage, long Done, long Total, int Shards, int ShardsDone, string? Error, string? Worker,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Subject = null)
{
    public bool IsFinished => State is JobStates.Succeeded or JobStates.Failed or JobStates.Cancelled;
}
