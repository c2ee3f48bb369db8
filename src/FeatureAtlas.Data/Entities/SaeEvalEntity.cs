namespace FeatureAtlas.Data.Entities;

/// <summary>
/// An SAE's latest evaluation (table <c>sae_evals</c>, one row per SAE), with SAELens's metric meanings
/// (see <c>FeatureAtlas.Core.Evals.SaeEvalResult</c>); the log10-density histogram as JSON counts.
/// </summary>
public sealed class SaeEvalEntity
{
    public int SaeId { get; set; }

    public required string Corpus { get; set; }

    public long Tokens { get; set; }

    public double L0 { get; set; }

    public double Mse { get; set; }

    public double ExplainedVariance { get; set; }

    public double CosineSimilarity { get; set; }

    public double CeLossClean { get; set; }

    public double CeLossWithSae { get; set; }

    public double CeLossZeroAblation { get; set; }

    public double CeLossRecovered { get; set; }

    public int DeadFeatures { get; set; }

    public int DenseFeatures { get; set; }

    public double HistogramMin { get; set; }

    public double HistogramMax { get; set; }

    /// <summary>Feature counts per equal bin of [min, max] of log₁₀(density + 1e−10), as a JSON array.</summary>
    public required string HistogramJson { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
