namespace FeatureAtlas.Core.Sae;

/// <summary>SAELens encoder kinds (cfg.json <c>architecture</c>).</summary>
public enum SaeArchitecture
{
    /// <summary>f = ReLU(x′·W_enc + b_enc).</summary>
    Standard,

    /// <summary>f = ReLU(h)·1[h &gt; θ], h = x′·W_enc + b_enc.</summary>
    JumpRelu,

    /// <summary>Keep the k largest of h, ReLU, zero the rest.</summary>
    TopK,

    /// <summary>f = 1[x′·W_enc + b_gate &gt; 0] · ReLU(x′·(W_enc ⊙ exp(r_mag)) + b_mag).</summary>
    Gated,
}
