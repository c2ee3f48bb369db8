namespace FeatureAtlas.Core.Explain;

/// <summary>An explanation made executable: a predicted activation for every token of a window.</summary>
public interface IActivationPredictor
{
    /// <summary>Writes one prediction per token of <paramref name="tokens"/> into <paramref name="destination"/> (same length).</summary>
    void Predict(ReadOnlySpan<int> tokens, Span<float> destination);
}
