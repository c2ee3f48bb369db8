namespace FeatureAtlas.Core.Hooks;

/// <summary>
/// Called at a hook point with the live activation; writing to <paramref name="values"/> changes what the
/// rest of the forward pass sees (steering, ablation, SAE splicing). <paramref name="shape"/> is the
/// TransformerLens shape including the batch axis, e.g. [B, T, D] or [B, H, T, T] for hook_pattern.
/// </summary>
public delegate void ActivationHook(string name, ReadOnlySpan<int> shape, Span<float> values);
