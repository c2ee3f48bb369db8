namespace FeatureAtlas.Core.Training;

/// <summary>
/// What one optimiser step saw, before the update: total loss, its MSE (Σ_d over d_in, mean over tokens), sparsity
/// and AuxK parts (AuxK is 0 unless a TopK SAE had dead features), L0 (mean active features per token), and
/// features dead at the end of the step.
/// </summary>
public readonly record struct TrainStepResult(int Step, double Loss, double MseLoss, double SparsityLoss, double AuxLoss, double L0, int DeadFeatures, float LearningRate);
