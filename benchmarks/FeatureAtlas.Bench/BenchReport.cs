using System.Text.Json.Nodes;
using Spectre.Console;

namespace FeatureAtlas.Bench;

/// <summary>A bench report (one JSON object, nested objects flattened to <c>outer.inner</c>) as a two-column table.</summary>
internal static class BenchReport
{
    public static void Print(JsonObject report)
    {
        var table = new Table().AddColumns("figure", "value");
        foreach (var (key, value) in report)
        {
            if (value is JsonObject nested)
            {
                foreach (var (innerKey, innerValue) in nested) table.AddRow(Markup.Escape($"{key}.{innerKey}"), Markup.Escape(Format(innerValue)));
            }
            else
            {
                table.AddRow(Markup.Escape(key), Markup.Escape(Format(value)));
            }
        }
        AnsiConsole.Write(table);
    }

    private static string Format(JsonNode? value) => value is JsonValue v && v.TryGetValue<double>(out var d) && d % 1 != 0 ? d.ToString("G4") : value?.ToJsonString() ?? "null";
}
