using System.Text.Json;

namespace FeatureAtlas.Core.Community;

/// <summary>One number per scored explanation, to rank features by: the first score present of simulation r, detection, fuzzing.</summary>
public static class ExplanationScore
{
    // The keys explainers write, in the order the feature page shows them (ViewHelpers.Scores).
    private static readonly string[] Keys = ["correlation", "simulation", "detection_balanced_accuracy", "detection", "fuzzing", "detection_auroc"];

    /// <summary>The explanation's main score, or null when it has none (or its JSON is not an object of numbers).</summary>
    public static double? Primary(string? scoresJson)
    {
        if (string.IsNullOrEmpty(scoresJson)) return null;
        try
        {
            using var doc = JsonDocument.Parse(scoresJson);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            foreach (var key in Keys)
            {
                if (doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && double.IsFinite(v.GetDouble())) return v.GetDouble();
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
