namespace FeatureAtlas.Data.Entities;

/// <summary>
/// An SAE's latest evaluation (table <c>sae_evals</c>, one row per SAE), with SAELens's metric meanings
/// (see <c>FeatureAtlas.Core.Evals.SaeEvalResult</c>) and SAEBench's core metrics; the log10-density histogram as
/// JSON counts. An evaluation measured here or imported from a SAEBench result file (<see cref="ImportedFrom"/>).
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

    // SAEBench's core metrics (names in FeatureAtlas.Core.Evals.SaeBenchFormat); null in evaluations made before
    // they were stored, or imported from files that lack them.

    public double? KlDivScore { get; set; }

    public double? KlDivWithSae { get; set; }

    public double? KlDivWithAblation { get; set; }

    public double? L1 { get; set; }

    public double? L2NormIn { get; set; }

    public double? L2NormOut { get; set; }

    public double? L2Ratio { get; set; }

    public double? RelativeReconstructionBias { get; set; }

    public double? FracAlive { get; set; }

    public double? FreqOver1Percent { get; set; }

    public double? FreqOver10Percent { get; set; }

    /// <summary>Meta-SAE fraction of decoder variance explained (SAEBench's meta-structure eval).</summary>
    public double? DecoderFractionVarianceExplained { get; set; }

    /// <summary>The SAEBench result file this evaluation was imported from (its name); null when measured here.</summary>
    public string? ImportedFrom { get; set; }
}
