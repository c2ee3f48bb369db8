namespace FeatureAtlas.Core.Training;

/// <summary>
/// What one optimiser step saw, before the update: total loss, its MSE (Σ_d over d_in, mean over tokens) and
/// sparsity parts, L0 (mean active features per token), and features dead at the end of the step.
/// </summary>
public readonly record struct TrainStepResult(int Step, double Loss, double MseLoss, double SparsityLoss, double L0, int DeadFeatures, float LearningRate);
