namespace FeatureAtlas.Core.Circuits;

/// <summary>
/// A hook_z feature's DFA (Neuronpedia's dfa_target_index, dfa_values): the destination position, the feature's
/// activation there, and each source position's contribution [T] (zero after the destination).
/// </summary>
public sealed record DirectFeatureAttribution(int TargetIndex, float Activation, float[] Values)
{
    /// <summary>The largest |value| (Neuronpedia's dfa_max_value scales the bars by it).</summary>
    public float MaxValue => Values.Length == 0 ? 0f : Values.Max(Math.Abs);
}
