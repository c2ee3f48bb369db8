namespace FeatureAtlas.Core.Sae;

/// <summary>SAELens <c>normalize_activations</c> modes applied to the SAE input (and inverted on its output).</summary>
public enum ActivationNormalization
{
    None,

    /// <summary>Training-time scale, folded into the weights when saved; reads as None at inference.</summary>
    ExpectedAverageOnlyIn,

    /// <summary>x·√d_in/‖x‖ in, divided back out.</summary>
    ConstantNormRescale,

    /// <summary>(x − μ)/(s + 1e-5) with s the unbiased std; out: x̂·s + μ (not PyTorch LayerNorm).</summary>
    LayerNorm,
}
