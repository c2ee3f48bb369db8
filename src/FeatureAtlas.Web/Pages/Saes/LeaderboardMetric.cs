using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Web.Pages.Saes;

/// <summary>
/// A leaderboard column: its query key, heading (SAEBench's metric name where SAEBench has the metric), what it
/// means, its value (null when the evaluation lacks it), its number format, and whether larger is better.
/// </summary>
public sealed record LeaderboardMetric(string Key, string Heading, string Meaning, Func<SaeEvalRecord, double?> Value, string Format, bool HigherIsBetter);
