using System.Text.Json;
using System.Text.Json.Serialization;

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

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The example in <paramref name="modelDirectory"/>, or null when it has none; a bad file names itself and the field.</summary>
    public static CircuitExample? Read(string? modelDirectory)
    {
        if (modelDirectory is null) return null;
        var path = Path.Combine(modelDirectory, FileName);
        if (!File.Exists(path)) return null;
        CircuitExample? example;
        try
        {
            example = JsonSerializer.Deserialize<CircuitExample>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a circuits example ({e.Message}).", e);
        }
        if (example is null) throw new InvalidDataException($"{path}: expected an object with prompt, corrupted, target and distractor, found null.");
        foreach (var (field, value) in new[] { ("prompt", example.Prompt), ("corrupted", example.Corrupted), ("target", example.Target), ("distractor", example.Distractor) })
        {
            if (string.IsNullOrEmpty(value)) throw new InvalidDataException($"{path}: field {field} is missing or empty.");
        }
        return example;
    }

    /// <summary>Writes the example into <paramref name="modelDirectory"/> (whole, through a temporary file).</summary>
    public void Write(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, FileName);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this, Indented));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
