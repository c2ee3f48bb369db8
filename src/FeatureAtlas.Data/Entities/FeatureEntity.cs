namespace FeatureAtlas.Data.Entities;

/// <summary>
/// One feature's dashboard (table <c>features</c>), keyed by (SAE, feature index): density, extremes, the
/// activation histogram, the logit table, and its examples and activation intervals in one blob. Histograms are
/// stored as bins, range and heights; their bar centres are recomputed from the range, and stored only when they
/// cannot be.
/// </summary>
public sealed class FeatureEntity
{
    public int SaeId { get; set; }

    public int FeatureIndex { get; set; }

    public double FracNonzero { get; set; }

    public long NonzeroCount { get; set; }

    public float MaxActivation { get; set; }

    public float MinNonzeroActivation { get; set; }

    public int HistogramBins { get; set; }

    public double HistogramMin { get; set; }

    public double HistogramMax { get; set; }

    /// <summary>Bar heights as unsigned LEB128 varints.</summary>
    public required byte[] HistogramHeights { get; set; }

    /// <summary>Bar centres as float64 LE, only when they are not the centres of [min, max] in equal bars.</summary>
    public byte[]? HistogramCentres { get; set; }

    /// <summary>Top token ids as int32 LE; null when the SAE's hook has no logit table.</summary>
    public byte[]? LogitPositiveTokens { get; set; }

    /// <summary>Their logits as float32 LE.</summary>
    public byte[]? LogitPositiveValues { get; set; }

    public byte[]? LogitNegativeTokens { get; set; }

    public byte[]? LogitNegativeValues { get; set; }

    public int? LogitHistogramBins { get; set; }

    public double? LogitHistogramMin { get; set; }

    public double? LogitHistogramMax { get; set; }

    public byte[]? LogitHistogramHeights { get; set; }

    public byte[]? LogitHistogramCentres { get; set; }

    /// <summary>
    /// The top examples, then each interval's examples, then the interval records, in the layout of
    /// <see cref="Stores.ExampleSetCodec"/>. Tokens are not copied: each example's window index points into the
    /// corpus the dashboards were computed over, with the feature's non-zero activations over that window.
    /// </summary>
    public required byte[] Examples { get; set; }

    /// <summary>SAEDashboard's feature tables in the layout of <see cref="Stores.FeatureTablesCodec"/>; null for dashboards built before them.</summary>
    public byte[]? Tables { get; set; }

    /// <summary>The analysis job's <c>FeatureAnalysis</c> (token-set enrichment, prefix and induction tests) as UTF-8 JSON; null until it ran.</summary>
    public byte[]? Analysis { get; set; }
}
