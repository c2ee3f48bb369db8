namespace FeatureAtlas.Data.Entities;

/// <summary>
/// The SAE-wide part of an SAE's current dashboards (table <c>dashboard_runs</c>, one row per SAE): the corpus
/// they were computed over, token and window counts, dead features and the log10-density histogram.
/// </summary>
public sealed class DashboardRunEntity
{
    public int SaeId { get; set; }

    public int CorpusId { get; set; }

    public long TotalTokens { get; set; }

    public int Windows { get; set; }

    public int DeadFeatures { get; set; }

    public int LogDensityBins { get; set; }

    public double LogDensityMin { get; set; }

    public double LogDensityMax { get; set; }

    /// <summary>Bar heights as unsigned LEB128 varints.</summary>
    public required byte[] LogDensityHeights { get; set; }

    /// <summary>Bar centres as float64 LE, only when they are not the centres of [min, max] in equal bars.</summary>
    public byte[]? LogDensityCentres { get; set; }

    /// <summary><c>DashboardOptions</c> as JSON.</summary>
    public required string OptionsJson { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The analysis job's <c>SaeAnalysisSummary</c> as JSON; null until it finished on these dashboards.</summary>
    public string? AnalysisSummaryJson { get; set; }
}
