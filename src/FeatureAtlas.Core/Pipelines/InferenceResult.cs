using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Pipelines;

/// <summary>
/// One sequence through a model and its SAEs: last-position logits [1, V] (null when not asked for), the
/// cached hooks, and each SAE's feature activations [T, S] by SAE name.
/// </summary>
public sealed record InferenceResult(Tensor? LogitsLast, ActivationCache Cache, IReadOnlyDictionary<string, Tensor> Features);
