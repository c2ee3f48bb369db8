namespace FeatureAtlas.Core.Explain;

/// <summary>
/// One window of a feature's examples with its tokens and dense per-token activations (OAI's ActivationRecord):
/// <see cref="Tokens"/> [T] and <see cref="Activations"/> [T]. <see cref="Window"/> is the corpus window index.
/// </summary>
public sealed record ActivationRecord(int Window, ExampleKind Kind, int[] Tokens, float[] Activations)
{
    public float Max
    {
        get
        {
            var max = 0f;
            foreach (var a in Activations) max = Math.Max(max, a);
            return max;
        }
    }

    /// <summary>Whether the feature fires anywhere in the window (the detection label).</summary>
    public bool IsActivating => Max > 0;
}
