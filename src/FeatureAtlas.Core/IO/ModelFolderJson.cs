using System.Text.Json;

namespace FeatureAtlas.Core.IO;

/// <summary>
/// Small JSON files a model folder may carry beside its weights for the site (the circuit tools' example, steering
/// presets): read with an error naming the file, written whole through a temporary file (<see cref="AtomicText"/>).
/// </summary>
public static class ModelFolderJson
{
    // Labels and prompts keep their quotes and dashes readable in the file.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The file's value, or default when the folder is null or has no such file; bad JSON names the file.</summary>
    public static T? Read<T>(string? modelDirectory, string fileName)
    {
        if (modelDirectory is null) return default;
        var path = Path.Combine(modelDirectory, fileName);
        if (!File.Exists(path)) return default;
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path))
                ?? throw new InvalidDataException($"{path}: expected {typeof(T).Name}, found null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON for {typeof(T).Name} ({e.Message}).", e);
        }
    }

    public static Task WriteAsync<T>(string modelDirectory, string fileName, T value, CancellationToken cancellationToken = default) =>
        AtomicText.WriteAsync(Path.Combine(modelDirectory, fileName), JsonSerializer.Serialize(value, Indented), cancellationToken);

    /// <summary>An error naming the file and the field when a required text field is missing or empty.</summary>
    public static void RequireText(string? modelDirectory, string fileName, string field, string? value)
    {
        if (string.IsNullOrEmpty(value)) throw Invalid(modelDirectory, fileName, $"field {field} is missing or empty.");
    }

    /// <summary>The error for a problem in the file: its path, then <paramref name="detail"/>.</summary>
    public static InvalidDataException Invalid(string? modelDirectory, string fileName, string detail) =>
        new($"{Path.Combine(modelDirectory ?? "", fileName)}: {detail}");
}
