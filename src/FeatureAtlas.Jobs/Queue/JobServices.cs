using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Jobs.Queue;

/// <summary>
/// What a <see cref="JobRunner"/> needs on the machine it runs on: the stores (seen through Core's interfaces), this
/// worker's name for messages, the work registered by an in-process caller, and how often shards save and look
/// for a cancel.
/// </summary>
public sealed class JobServices
{
    public required IJobStore Jobs { get; init; }

    public required ICorpusStore Corpora { get; init; }

    public required IModelStore Models { get; init; }

    public required IDashboardStore Dashboards { get; init; }

    /// <summary>The stores of the jobs that run as one piece (<see cref="WholeJobs"/>); null where a host runs only dashboards.</summary>
    public IExplanationStore? Explanations { get; init; }

    public IUmapStore? Maps { get; init; }

    public ISaeEvalStore? Evals { get; init; }

    public IFeatureAnalysisStore? Analyses { get; init; }
    public IGraphStore? Graphs { get; init; }

    /// <summary>Names this worker in job records and error messages: host name and process id by default.</summary>
    public string Worker { get; init; } = DefaultWorkerName();

    public LocalJobs Local { get; } = new();

    /// <summary>The model this process loaded last, reused by its next shard of the same job.</summary>
    public LoadedWeights Weights { get; } = new();

    /// <summary>How often a running shard saves its state (and so how much a killed worker's successor redoes).</summary>
    public TimeSpan ShardSaveInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a running shard reads its job's state to see a cancel.</summary>
    public TimeSpan CancelCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Marks the worker of a job run by the process that started it (never handed to a queue by <see cref="JobPump"/>).</summary>
    public const string LocalPrefix = JobStates.LocalWorkerPrefix;

    public static string DefaultWorkerName() => $"{Environment.MachineName}:{Environment.ProcessId}";
}
