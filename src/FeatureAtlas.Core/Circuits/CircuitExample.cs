using System.Text.Json.Serialization;
using FeatureAtlas.Core.IO;

namespace FeatureAtlas.Core.Circuits;

/// <summary>
/// A worked example for a model's circuit tools: a prompt with the token it should predict (<see cref="Target"/>) and
/// a plausible rival (<see cref="Distractor"/>), a corrupted prompt of the same length that changes the answer (for
/// patching), and optionally the slug of a stored attribution graph of the prompt. A model folder may carry one as
/// <see cref="FileName"/> (the demo writes one that its model gets right); otherwise the site uses GPT-2's indirect
/// object example (<see cref="Default"/>).
/// </summary>
public sealed record CircuitExample(
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("corrupted")] string Corrupted,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("distractor")] string Distractor,
    [property: JsonPropertyName("graph")] string? Graph = null)
{
    public const string FileName = "circuits-example.json";

    /// <summary>The indirect object identification prompt (Wang et al. 2022), which GPT-2 small gets right.</summary>
    public static readonly CircuitExample Default = new(
        "When Mary and John went to the store, John gave a drink to", "When Mary and John went to the store, Mary gave a drink to", " Mary", " John");

    /// <summary>The example in <paramref name="modelDirectory"/>, or null when it has none; a bad file names itself and the field.</summary>
    public static CircuitExample? Read(string? modelDirectory)
    {
        var example = ModelFolderJson.Read<CircuitExample>(modelDirectory, FileName);
        if (example is null) return null;
        foreach (var (field, value) in new[] { ("prompt", example.Prompt), ("corrupted", example.Corrupted), ("target", example.Target), ("distractor", example.Distractor) })
        {
            ModelFolderJson.RequireText(modelDirectory, FileName, field, value);
        }
        return example;
    }

    /// <summary>Writes the example into <paramref name="modelDirectory"/> (whole, through a temporary file).</summary>
    public Task WriteAsync(string modelDirectory, CancellationToken cancellationToken = default) =>
        ModelFolderJson.WriteAsync(modelDirectory, FileName, this, cancellationToken);
}
