namespace FeatureAtlas.Core.Dashboards;

/// <summary>What a feature dashboard holds; defaults are the Neuronpedia runner's (sae-formats.md §5).</summary>
public sealed record DashboardOptions
{
    /// <summary>Top activating examples per feature.</summary>
    public int TopExamples { get; init; } = 20;

    /// <summary>Equal-width activation intervals of (0, max].</summary>
    public int Intervals { get; init; } = 5;

    /// <summary>Examples sampled per interval.</summary>
    public int ExamplesPerInterval { get; init; } = 5;

    /// <summary>Seed of the interval sampling keys.</summary>
    public ulong Seed { get; init; }

    /// <summary>Bars of the per-feature activation histogram and the logit histogram.</summary>
    public int HistogramBins { get; init; } = 50;

    /// <summary>Top positive and negative logits per feature.</summary>
    public int Logits { get; init; } = 10;

    /// <summary>Rows of each feature table (neuron alignment, correlated neurons and features); SAEDashboard's default.</summary>
    public int TableRows { get; init; } = 3;

    /// <summary>
    /// Widest SAE whose feature-pair sums are kept for the correlated-features table: they take S(S−1)/2 floats
    /// (1.2 GB at 24,576, 2.1 GB at 32,768); wider SAEs get that table empty.
    /// </summary>
    public int FeatureCorrelationsMaxFeatures { get; init; } = 32_768;

    /// <summary>Activations at this token are zeroed, not removed (SAEDashboard masks BOS/EOS/pad).</summary>
    public int BosTokenId { get; init; } = 50256;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(TopExamples);
        ArgumentOutOfRangeException.ThrowIfNegative(Intervals);
        ArgumentOutOfRangeException.ThrowIfNegative(ExamplesPerInterval);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(HistogramBins);
        ArgumentOutOfRangeException.ThrowIfNegative(Logits);
        ArgumentOutOfRangeException.ThrowIfNegative(TableRows);
        ArgumentOutOfRangeException.ThrowIfNegative(FeatureCorrelationsMaxFeatures);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(FeatureCorrelationsMaxFeatures, 65_536);
    }
}
