namespace FeatureAtlas.Core.Runtime;

/// <summary>How many models a <see cref="ModelRuntime"/> keeps loaded and how much work each may have waiting.</summary>
public sealed class ModelRuntimeOptions
{
    /// <summary>
    /// Most models held at once; loading one more unloads the least recently used. A GPT-2 small with a dozen
    /// 24,576-feature SAEs is ~1.4 GB, so the default keeps two.
    /// </summary>
    public int MaxLoadedModels { get; init; } = 2;

    /// <summary>Most pieces of work waiting for one model (running excluded); one more is <see cref="ModelBusyException"/>.</summary>
    public int MaxQueuedPerModel { get; init; } = 64;

    /// <summary>How long a failed load is remembered (and reported) before the next request tries again.</summary>
    public TimeSpan FailedLoadRetryAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Each model's work runs below the priority of the process's other threads (<see cref="FairWorkQueue.BackgroundPriority"/>).</summary>
    public bool BackgroundPriority { get; init; }

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLoadedModels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueuedPerModel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(FailedLoadRetryAfter, TimeSpan.Zero);
    }
}
