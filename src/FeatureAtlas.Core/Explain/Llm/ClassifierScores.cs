namespace FeatureAtlas.Core.Explain.Llm;

/// <summary>
/// A Delphi detection or fuzzing result: balanced accuracy (the headline, chance 0.5), accuracy, AUROC from the
/// answer log-probabilities (NaN without them), and how many examples were answered and how many lost to
/// unusable replies.
/// </summary>
public sealed record ClassifierScores(double BalancedAccuracy, double Accuracy, double Auroc, int Answered, int Failed);
