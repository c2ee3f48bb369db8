namespace FeatureAtlas.Core.Model;

/// <summary>What <see cref="Gpt2Model.Backward"/> holds fixed and which gradients it returns.</summary>
public sealed class BackwardOptions
{
    /// <summary>
    /// Treat every attention pattern as a constant at its recorded value: gradients reach v (and through it
    /// the residual) but not q, k or hook_attn_scores, which get zero.
    /// </summary>
    public bool FreezeAttention { get; init; }

    /// <summary>
    /// Treat every layer norm's scale √(σ² + ε) as a constant: each layer norm becomes the linear map
    /// x ↦ γ ⊙ (x − mean x)/σ + β. hook_scale still reports its gradient; nothing flows through it.
    /// </summary>
    public bool FreezeLayerNorm { get; init; }

    /// <summary>Hook names whose gradients to return (HookNames spelling); empty returns every hook's.</summary>
    public IReadOnlyCollection<string> Gradients { get; init; } = [];

    /// <summary>Full backward, nothing frozen (the "estimated total effect" of activation × gradient).</summary>
    public static BackwardOptions Full { get; } = new();

    /// <summary>Attention patterns and layer-norm scales frozen: the linear system in which direct effects add up.</summary>
    public static BackwardOptions Frozen { get; } = new() { FreezeAttention = true, FreezeLayerNorm = true };
}
