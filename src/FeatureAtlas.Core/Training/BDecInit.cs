namespace FeatureAtlas.Core.Training;

/// <summary>How b_dec starts (SAELens b_dec_init_method): from a sample of activations, or at zero.</summary>
public enum BDecInit
{
    /// <summary>The geometric median of the sample (Weiszfeld iterations), SAELens's default.</summary>
    GeometricMedian,

    /// <summary>The mean of the sample.</summary>
    Mean,

    /// <summary>Zeros.</summary>
    Zeros,
}
