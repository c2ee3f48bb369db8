namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// Examples sampled from one activation interval (Low, High] of (0, max], and the share of all corpus tokens
/// whose activation falls in it (SAEDashboard's "INTERVAL lo - hi, CONTAINS p%").
/// </summary>
public sealed record IntervalExamples(int Interval, float Low, float High, double ContainsFraction, IReadOnlyList<ActivationExample> Examples);
