namespace FeatureAtlas.Core.Explain;

/// <summary>
/// How well an explanation, made a predictor, matches a feature's held-out examples. <see cref="Correlation"/> is
/// the OpenAI simulation score: Pearson r of predicted vs true activations over all tokens of all test windows
/// pooled (NaN when either side is constant). Detection classifies whole windows (activating or not) by their
/// largest prediction against a threshold fitted on the train split; chance is 0.5 for balanced accuracy and AUROC.
/// </summary>
public sealed record ExplanationScores
{
    public required double Correlation { get; init; }

    public required int Tokens { get; init; }

    public required double DetectionAccuracy { get; init; }

    public required double DetectionBalancedAccuracy { get; init; }

    public required double DetectionAuroc { get; init; }

    public required double Threshold { get; init; }

    public required int TestActivating { get; init; }

    public required int TestNonActivating { get; init; }
}
