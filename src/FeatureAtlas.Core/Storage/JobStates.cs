namespace FeatureAtlas.Core.Storage;

/// <summary>The states of a <see cref="JobRecord"/>: queued → running → succeeded | failed | cancelled.</summary>
public static class JobStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>Starts the worker name of a process running its own job (a command without <c>--enqueue</c>): no queue may take it.</summary>
    public const string LocalWorkerPrefix = "local ";
}
