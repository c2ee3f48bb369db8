namespace FeatureAtlas.Jobs;

/// <summary>
/// What an explain run stored: features explained, the means over them of the simulation score (Pearson r; NaN as 0)
/// and detection balanced accuracy (NaN as 0.5) for the explanations and, offline, for the max-token baseline.
/// </summary>
public sealed record ExplainJobResult(string Method, string? ModelName, int Features, double MeanCorrelation, double MeanBalancedAccuracy,
    double? BaselineMeanCorrelation, double? BaselineMeanBalancedAccuracy, bool NegativesMeasured, Core.Explain.Llm.LlmUsage? Usage);
