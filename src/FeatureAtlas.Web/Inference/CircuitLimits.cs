namespace FeatureAtlas.Web.Inference;

/// <summary>
/// Prompt limits of the circuit endpoints, in tokens with BOS (within live inference's character and token limits
/// too). Attribution and ablation cost a few forward passes and one backward pass, so they take what the research
/// notes plan for (64 tokens); patching costs L·(3T + H) forward passes (GPT-2 small at 24 tokens: 1,008), so it
/// takes fewer. Going over is a 400 naming the length and the limit.
/// </summary>
public static class CircuitLimits
{
    public const int MaxAttributeTokens = 64;

    public const int MaxAblateTokens = 64;

    public const int MaxPatchTokens = 24;

    /// <summary>The most heads, MLPs and features whose exact total effect /api/attribute measures by ablation (one forward pass each).</summary>
    public const int MaxExactTop = 50;
}
