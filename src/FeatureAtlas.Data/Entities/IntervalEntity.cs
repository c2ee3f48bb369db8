namespace FeatureAtlas.Data.Entities;

/// <summary>One activation interval (Low, High] of a feature (table <c>intervals</c>) and the share of tokens in it.</summary>
public sealed class IntervalEntity
{
    public int SaeId { get; set; }

    public int FeatureIndex { get; set; }

    /// <summary>0 for the lowest interval.</summary>
    public int Interval { get; set; }

    public float Low { get; set; }

    public float High { get; set; }

    public double ContainsFraction { get; set; }
}
