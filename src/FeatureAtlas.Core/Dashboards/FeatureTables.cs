namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// SAEDashboard's three feature tables, in Neuronpedia's field order (docs/dashboards.md, "Feature tables"):
/// <list type="bullet">
/// <item>neuron alignment: the largest entries of the unit decoder row, with each one's share of the row's L1 norm;</item>
/// <item>correlated neurons: the SAE's input dimensions whose values correlate most with the feature's activation
/// over the dashboard corpus (Pearson, with the cosine beside it);</item>
/// <item>correlated features: the same against the SAE's other features.</item>
/// </list>
/// Neuronpedia stores the cosines in its <c>*_l1</c> fields (SAEDashboard's converter does), so do our exports.
/// </summary>
public sealed record FeatureTables
{
    public static FeatureTables Empty { get; } = new();

    public int[] NeuronAlignmentIndices { get; init; } = [];

    public float[] NeuronAlignmentValues { get; init; } = [];

    /// <summary>|value| ÷ ‖W_dec[i]‖₁.</summary>
    public float[] NeuronAlignmentL1 { get; init; } = [];

    public int[] CorrelatedNeuronsIndices { get; init; } = [];

    public float[] CorrelatedNeuronsPearson { get; init; } = [];

    public float[] CorrelatedNeuronsCosine { get; init; } = [];

    public int[] CorrelatedFeaturesIndices { get; init; } = [];

    public float[] CorrelatedFeaturesPearson { get; init; } = [];

    public float[] CorrelatedFeaturesCosine { get; init; } = [];
}
