namespace FeatureAtlas.Core.Hooks;

/// <summary>
/// Where a forward pass starts instead of the embeddings: block <see cref="Layer"/> with <see cref="Residual"/> as
/// its hook_resid_pre, either [T, D] (the same for every sequence of the batch) or [B, T, D]. Blocks before
/// <see cref="Layer"/> and the embedding hooks do not run. Activation patching uses it to rerun only from the patched
/// layer onward: every block before it computes exactly what the unpatched run computed.
/// </summary>
public sealed record ResumePoint(int Layer, float[] Residual);
