using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Model;

/// <summary>
/// What a forward pass returns: logits [B, T, V] (or [B, V] for the last position only; null when the pass
/// stopped early) and the activations asked for.
/// </summary>
public sealed record ModelOutput(Tensor? Logits, ActivationCache Cache);
