namespace FeatureAtlas.Jobs;

/// <summary>
/// Where a language-model run stands after a step: tokens trained on, the step's loss (nats/token) and the latest
/// held-out loss on the progress sample (null until the first evaluation).
/// </summary>
public readonly record struct TrainLmProgress(int Step, int Steps, long Tokens, long TotalTokens, double Loss, double? HeldOutLoss);
