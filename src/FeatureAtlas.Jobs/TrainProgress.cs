namespace FeatureAtlas.Jobs;

/// <summary>
/// Where a training run stands after a step: tokens trained on, the step's loss, MSE, AuxK loss (TopK with dead
/// features; else 0) and L0, and dead features.
/// </summary>
public readonly record struct TrainProgress(int Step, int Steps, long Tokens, long TotalTokens, double Loss, double Mse, double AuxLoss, double L0, int DeadFeatures);
