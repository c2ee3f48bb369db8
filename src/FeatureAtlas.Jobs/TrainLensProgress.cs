namespace FeatureAtlas.Jobs;

/// <summary>Where a tuned-lens run stands after a step: tokens trained on and the step's loss (mean KL over layers, nats).</summary>
public readonly record struct TrainLensProgress(int Step, int Steps, long Tokens, long TotalTokens, double Loss);
