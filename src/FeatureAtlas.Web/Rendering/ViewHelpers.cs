using System.Globalization;
using Microsoft.AspNetCore.Mvc.Rendering;

namespace FeatureAtlas.Web.Rendering;

/// <summary>Small formatting rules shared by the pages, so a number or colour means the same everywhere.</summary>
public static class ViewHelpers
{
    public static bool IsEmbed(this IHtmlHelper html, HttpContext context) => IsEmbed(context);

    public static bool IsEmbed(HttpContext context) => string.Equals(context.Request.Query["embed"], "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>A logit's background: blue for positive, red for negative, by magnitude relative to the largest.</summary>
    public static string LogitStyle(float value, float largest)
    {
        if (!(largest > 0)) return "";
        var alpha = Math.Clamp(Math.Abs(value) / largest, 0.1f, 1f) * 0.6f;
        var rgb = value >= 0 ? "59,130,246" : "239,68,68";
        return string.Create(CultureInfo.InvariantCulture, $"background-color:rgba({rgb},{alpha:0.###})");
    }

    /// <summary>An activation or logit to 3 decimals from 1 up ("0.###"), to 3 significant digits below ("G3").</summary>
    public static string Value(float value) => DecimalText.FormatValue(value);

    /// <summary>A density as a percentage a reader can compare: 0.0123 → "1.23%", 3e-6 → "0.0003%".</summary>
    public static string Percent(double fraction)
    {
        if (fraction <= 0) return "0%";
        var percent = fraction * 100;
        var digits = percent >= 1 ? 2 : Math.Min(6, (int)Math.Ceiling(-Math.Log10(percent)) + 1);
        return percent.ToString("0." + new string('#', digits), CultureInfo.InvariantCulture) + "%";
    }

    /// <summary>Whitespace made visible inside a token (a leading space as ·, newline as ↵) so tokens read as they are.</summary>
    public static string Visible(string token) => token.Replace("\n", "↵").Replace("\r", "").Replace("\t", "⇥");

    // Score fields worth a reader's glance, with the names researchers use for them.
    private static readonly (string Key, string Label)[] s_scoreLabels =
    [
        ("correlation", "simulation r"), ("simulation", "simulation r"), ("detection_balanced_accuracy", "detection (balanced acc.)"),
        ("detection", "detection"), ("fuzzing", "fuzzing"), ("detection_auroc", "detection AUROC"),
    ];

    /// <summary>An explanation's scores JSON as a short line ("simulation r 0.23 · detection (balanced acc.) 0.67"); empty when none.</summary>
    public static string Scores(string? json)
    {
        if (string.IsNullOrEmpty(json)) return "";
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object) return "";
            var parts = new List<string>();
            foreach (var (key, label) in s_scoreLabels)
            {
                if (doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number && parts.Count < 3)
                {
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"{label} {v.GetDouble():0.00}"));
                }
            }
            return string.Join(" · ", parts);
        }
        catch (System.Text.Json.JsonException)
        {
            return "";
        }
    }

    /// <summary>
    /// An explanation's test texts as a short line ("test texts (llm): recall 0.80 · precision 0.67 · accuracy 0.70",
    /// or "test texts (llm): failed"); empty when none were run.
    /// </summary>
    public static string TestTexts(string? json)
    {
        if (string.IsNullOrEmpty(json)) return "";
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object || !doc.RootElement.TryGetProperty("test_texts", out var t) || t.ValueKind != System.Text.Json.JsonValueKind.Object) return "";
            var source = t.TryGetProperty("source", out var src) && src.ValueKind == System.Text.Json.JsonValueKind.String ? src.GetString() : "?";
            if (t.TryGetProperty("failed", out _)) return $"test texts ({source}): failed";
            var parts = new List<string>();
            foreach (var key in new[] { "recall", "precision", "accuracy" })
            {
                parts.Add(t.TryGetProperty(key, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number
                    ? string.Create(CultureInfo.InvariantCulture, $"{key} {v.GetDouble():0.00}")
                    : $"{key} –");
            }
            return $"test texts ({source}): {string.Join(" · ", parts)}";
        }
        catch (System.Text.Json.JsonException)
        {
            return "";
        }
    }
}
