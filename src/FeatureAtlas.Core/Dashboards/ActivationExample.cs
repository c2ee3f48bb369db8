namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// One dashboard example: corpus window <see cref="Window"/> with the highlighted token at
/// <see cref="Position"/> activating the feature by <see cref="Value"/>, and the feature's non-zero
/// activations over the whole window (positions ascending). Tokens come from the corpus, not copied here.
/// </summary>
public sealed record ActivationExample(int Window, int Position, float Value, int[] Positions, float[] Values)
{
    /// <summary>The dense per-token activations over a window of <paramref name="length"/> tokens.</summary>
    public float[] Dense(int length)
    {
        var dense = new float[length];
        for (var i = 0; i < Positions.Length; i++) dense[Positions[i]] = Values[i];
        return dense;
    }
}
