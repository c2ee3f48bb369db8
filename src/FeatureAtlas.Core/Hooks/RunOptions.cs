namespace FeatureAtlas.Core.Hooks;

/// <summary>What a forward pass records, edits and computes.</summary>
public sealed class RunOptions
{
    /// <summary>Hook names whose activations are copied into the cache (TransformerLens run_with_cache names_filter).</summary>
    public IReadOnlyCollection<string> Cache { get; init; } = [];

    /// <summary>Hooks that read or modify activations in place, by hook name.</summary>
    public IReadOnlyDictionary<string, ActivationHook> Hooks { get; init; } = new Dictionary<string, ActivationHook>();

    /// <summary>Whether to compute logits. Without them the pass stops after the deepest hook asked for.</summary>
    public bool ComputeLogits { get; init; } = true;

    /// <summary>Compute logits for the last position of each sequence only ([B, V] instead of [B, T, V]).</summary>
    public bool LogitsLastPositionOnly { get; init; }

    /// <summary>
    /// Run blocks [0, StopAtLayer) only (TransformerLens stop_at_layer); no logits. Null: decided by
    /// <see cref="ComputeLogits"/> and the hooks asked for.
    /// </summary>
    public int? StopAtLayer { get; init; }

    /// <summary>Start at a block from a given residual stream instead of the embeddings (see <see cref="ResumePoint"/>); null: from the tokens.</summary>
    public ResumePoint? ResumeFrom { get; init; }

    public static RunOptions Default { get; } = new();

    /// <summary>
    /// The deepest layer the hooks need, cached per options instance and model depth: working it out enumerates
    /// the hook collections, which allocates, and a reused options object must make a forward allocation-free.
    /// A class, so that concurrent forward passes sharing the options publish it with one atomic reference write.
    /// </summary>
    internal DeepestHookCache? DeepestHook { get; set; }

    internal sealed record DeepestHookCache(int Layers, int Deepest);

    /// <summary>Cache these hooks and stop as soon as the deepest one is computed (no unembedding).</summary>
    public static RunOptions CacheOnly(params string[] names) => new() { Cache = names, ComputeLogits = false };
}
