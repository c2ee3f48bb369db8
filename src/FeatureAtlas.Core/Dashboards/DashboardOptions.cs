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

    /// <summary>Activations at this token are zeroed, not removed (SAEDashboard masks BOS/EOS/pad).</summary>
    public int BosTokenId { get; init; } = 50256;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(TopExamples);
        ArgumentOutOfRangeException.ThrowIfNegative(Intervals);
        ArgumentOutOfRangeException.ThrowIfNegative(ExamplesPerInterval);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(HistogramBins);
        ArgumentOutOfRangeException.ThrowIfNegative(Logits);
    }
}
