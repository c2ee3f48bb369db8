using System.CommandLine;
using System.Globalization;
using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Cli.Commands;

/// <summary>Options and value parsers shared by several commands.</summary>
internal static class CliOptions
{
    public static Option<string> Model(string description = "A Hugging Face GPT-2 folder (config.json + model.safetensors).") =>
        new("--model") { Description = description, Required = true };

    public static Option<string[]> Saes() =>
        new("--sae") { Description = "An SAELens SAE folder (cfg.json + sae_weights.safetensors); repeatable.", AllowMultipleArgumentsPerToken = false };

    public static Option<string?> Processing() =>
        new("--processing") { Description = "Weight processing: raw (Hugging Face numbers) or tl (TransformerLens defaults). Default: what the SAEs were trained under, else raw." };

    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object for scripts." };

    public static WeightProcessing? ParseProcessing(string? value) => value switch
    {
        null => null,
        "raw" or "tl" => WeightProcessing.Parse(value),
        _ => throw new UsageException($"--processing must be raw or tl, found '{value}'."),
    };

    /// <summary>Parses "50256,464,318" (commas or spaces); a malformed list is a usage error.</summary>
    public static int[] ParseTokenIds(string value)
    {
        var parts = value.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new UsageException("--token-ids is empty; give comma-separated ids such as 50256,464,318.");
        var ids = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out ids[i]))
            {
                throw new UsageException($"--token-ids: '{parts[i]}' is not an integer token id.");
            }
        }
        return ids;
    }
}
