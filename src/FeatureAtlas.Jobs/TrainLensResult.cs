namespace FeatureAtlas.Jobs;

/// <summary>
/// A finished run: where the lens went, what it saw, and the held-out KL per translated layer of the tuned lens beside
/// the logit lens's on the same tokens.
/// </summary>
public sealed record TrainLensResult(string OutputDirectory, string[] Corpora, int Steps, long TrainTokens, long HeldOutTokens, double[] HeldOutKl,
    double[] LogitLensHeldOutKl, double Seconds);
