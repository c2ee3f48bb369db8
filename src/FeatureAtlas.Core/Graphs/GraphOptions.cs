namespace FeatureAtlas.Core.Graphs;

/// <summary>
/// How <see cref="GraphBuilder"/> chooses logit targets and how many features it visits (circuit-tracer's
/// attribute() arguments, with its defaults except batch size, which suits a CPU).
/// </summary>
public sealed class GraphOptions
{
    /// <summary>The longest prompt a graph is built for, as Neuronpedia's graph server allows.</summary>
    public const int MaxPromptTokens = 64;

    /// <summary>The most feature nodes a graph may visit.</summary>
    public const int MaxFeatureNodesLimit = 5000;

    /// <summary>At most this many logit nodes (top logits by probability).</summary>
    public int MaxLogits { get; init; } = 10;

    /// <summary>Logit nodes are added until their cumulative probability reaches this.</summary>
    public double DesiredLogitProbability { get; init; } = 0.95;

    /// <summary>Feature nodes visited by a backward pass, in order of influence (the rest are left out).</summary>
    public int MaxFeatureNodes { get; init; } = MaxFeatureNodesLimit;

    /// <summary>Targets propagated together in one backward pass.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Batches visited before the influence ranking of the remaining features is recomputed.</summary>
    public int UpdateInterval { get; init; } = 4;

    public void Validate()
    {
        if (MaxLogits is < 1 or > 50) throw new ArgumentOutOfRangeException(nameof(MaxLogits), $"max logits must be 1 to 50, found {MaxLogits}.");
        if (!(DesiredLogitProbability is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(DesiredLogitProbability), $"desired logit probability must be in (0, 1], found {DesiredLogitProbability}.");
        if (MaxFeatureNodes is < 0 or > MaxFeatureNodesLimit) throw new ArgumentOutOfRangeException(nameof(MaxFeatureNodes), $"max feature nodes must be 0 to {MaxFeatureNodesLimit}, found {MaxFeatureNodes}.");
        if (BatchSize is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(BatchSize), $"batch size must be 1 to 1024, found {BatchSize}.");
        if (UpdateInterval < 1) throw new ArgumentOutOfRangeException(nameof(UpdateInterval), $"update interval must be positive, found {UpdateInterval}.");
    }
}
