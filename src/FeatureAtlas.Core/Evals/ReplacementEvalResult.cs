namespace FeatureAtlas.Core.Evals;

/// <summary>
/// The replacement model's evaluation (<see cref="ReplacementModelEvaluator"/>): next-token CE loss clean, with every MLP
/// replaced by its transcoder, and with every MLP zero-ablated; CE loss recovered; mean KL divergence of the clean
/// next-token distribution to the replaced and to the ablated one (nats per position); per block the transcoder's L0
/// and normalised MSE against the MLP output it replaces.
/// </summary>
public sealed record ReplacementEvalResult
{
    public required long Tokens { get; init; }
    public required long Positions { get; init; }
    public required double CeLossClean { get; init; }
    public required double CeLossReplacement { get; init; }
    public required double CeLossMlpAblation { get; init; }
    public required double CeLossRecovered { get; init; }
    public required double KlDivergence { get; init; }
    public required double KlDivergenceMlpAblation { get; init; }
    public required double[] L0 { get; init; }
    public required double[] NormalizedMse { get; init; }
}
