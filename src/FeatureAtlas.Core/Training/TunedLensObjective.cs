namespace FeatureAtlas.Core.Training;

/// <summary>The tuned-lens objective on a batch: mean KL, KL per translated layer, and (when asked) ∂KL_l/∂A_l and ∂KL_l/∂b_l.</summary>
public sealed record TunedLensObjective(double Loss, double[] LayerKl, float[][]? WeightGradients, float[][]? BiasGradients);
