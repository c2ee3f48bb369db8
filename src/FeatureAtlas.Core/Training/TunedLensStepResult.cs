namespace FeatureAtlas.Core.Training;

/// <summary>One step: the loss (mean KL over layers) and each layer's KL before the update, and the learning rate used.</summary>
public readonly record struct TunedLensStepResult(int Step, double Loss, double[] LayerKl, double LearningRate);
