namespace FeatureAtlas.Core.Graphs;

/// <summary>
/// An unpruned attribution graph of the local replacement model, in circuit-tracer's layout. Nodes are ordered
/// [selected features (by layer, position, index) | error nodes (layer-major, L·T) | token nodes (T) | logit nodes];
/// <see cref="Adjacency"/> [N, N] holds the direct effect of source (column) on target (row); rows are filled for
/// visited features and logits only. <see cref="Inputs"/> and <see cref="BiasInputs"/> [N] give each target's input
/// in the frozen system (a feature's encoder pre-activation, a logit minus the mean logit) and the part of it that
/// comes from biases alone, so Inputs = Σ_row Adjacency + BiasInputs (completeness).
/// </summary>
public sealed class AttributionGraph
{
    public required int[] Tokens { get; init; }

    public required int Layers { get; init; }

    /// <summary>Every feature active on the prompt, sorted by (layer, position, index).</summary>
    public required IReadOnlyList<ActiveFeature> ActiveFeatures { get; init; }

    /// <summary>Indices into <see cref="ActiveFeatures"/> of the visited features, ascending: the feature nodes.</summary>
    public required int[] SelectedFeatures { get; init; }

    public required IReadOnlyList<LogitTarget> Logits { get; init; }

    public required float[] Adjacency { get; init; }          // [N, N] row = target, column = source

    public required float[] Inputs { get; init; }             // [N]

    public required float[] BiasInputs { get; init; }         // [N]

    /// <summary>Where the build's time went (null for graphs not built here).</summary>
    public GraphTimings? Timings { get; init; }

    public int Positions => Tokens.Length;

    public int FeatureNodes => SelectedFeatures.Length;

    public int ErrorStart => FeatureNodes;

    public int TokenStart => FeatureNodes + Layers * Positions;

    public int LogitStart => TokenStart + Positions;

    public int NodeCount => LogitStart + Logits.Count;

    /// <summary>The feature behind feature node <paramref name="node"/> (0 ≤ node &lt; FeatureNodes).</summary>
    public ActiveFeature Feature(int node) => ActiveFeatures[SelectedFeatures[node]];
}
