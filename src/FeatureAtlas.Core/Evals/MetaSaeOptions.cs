namespace FeatureAtlas.Core.Evals;

/// <summary>
/// The meta-SAE of SAEBench's meta-structure eval (Bussmann et al. 2025, App. D.1): width a quarter of the SAE's,
/// BatchTopK with 4 active latents per row on average, Adam at 5e-4 for 1,500 steps of 1,024 decoder rows.
/// </summary>
public sealed record MetaSaeOptions
{
    public double WidthRatio { get; init; } = 0.25;

    public int K { get; init; } = 4;

    public int Steps { get; init; } = 1_500;

    public int BatchSize { get; init; } = 1_024;

    public double LearningRate { get; init; } = 5e-4;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(WidthRatio);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(K);
        ArgumentOutOfRangeException.ThrowIfNegative(Steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LearningRate);
    }
}
