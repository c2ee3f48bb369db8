using System.Text.Json.Serialization;
using FeatureAtlas.Core.IO;

namespace FeatureAtlas.Core.Steering;

/// <summary>
/// A ready-made steering run for a model: a prompt and one SAE feature at a strength (folded activation units), with a
/// label saying what it shows. A model folder may carry a list as <see cref="FileName"/> (the demo writes the presets its
/// steering trials found to work); the steering page offers them before its generic picks.
/// </summary>
public sealed record SteerPreset(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("sae")] string Sae,
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("strength")] float Strength)
{
    public const string FileName = "steer-presets.json";

    /// <summary>The presets in <paramref name="modelDirectory"/> (empty when it has none); a bad file names itself and the field.</summary>
    public static IReadOnlyList<SteerPreset> Read(string? modelDirectory)
    {
        var presets = ModelFolderJson.Read<SteerPreset[]>(modelDirectory, FileName) ?? [];
        for (var i = 0; i < presets.Length; i++)
        {
            var p = presets[i] ?? throw ModelFolderJson.Invalid(modelDirectory, FileName, $"preset {i} is null.");
            ModelFolderJson.RequireText(modelDirectory, FileName, $"[{i}].label", p.Label);
            ModelFolderJson.RequireText(modelDirectory, FileName, $"[{i}].prompt", p.Prompt);
            ModelFolderJson.RequireText(modelDirectory, FileName, $"[{i}].sae", p.Sae);
            if (p.Index < 0 || !float.IsFinite(p.Strength))
            {
                throw ModelFolderJson.Invalid(modelDirectory, FileName, $"preset {i} needs an index ≥ 0 and a finite strength, found {p.Index} and {p.Strength}.");
            }
        }
        return presets;
    }

    public static Task WriteAsync(string modelDirectory, IReadOnlyList<SteerPreset> presets, CancellationToken cancellationToken = default) =>
        ModelFolderJson.WriteAsync(modelDirectory, FileName, presets, cancellationToken);
}
