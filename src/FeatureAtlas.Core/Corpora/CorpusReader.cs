using System.Text.Json;

namespace FeatureAtlas.Core.Corpora;

/// <summary>
/// Reads corpus files: plain text (one document), JSONL of <c>{"text": ...}</c> documents, or JSONL of
/// pre-tokenized windows <c>{"token_ids": [...]}</c>. A bad line is an <see cref="InvalidDataException"/>
/// naming the file and line number.
/// </summary>
public static class CorpusReader
{
    public static IEnumerable<string> ReadTextFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Corpus file '{path}' does not exist.", path);
        yield return File.ReadAllText(path);
    }

    public static IEnumerable<string> ReadJsonlTexts(string path) =>
        ReadJsonl(path, "text", (element, line) => element.ValueKind == JsonValueKind.String
            ? element.GetString()!
            : throw new InvalidDataException($"{path}:{line}: field \"text\" should be a string, found {element.ValueKind}."));

    /// <summary>Pre-tokenized windows, used exactly as given (no BOS added, no re-chunking); ids must lie in [0, vocab).</summary>
    public static IEnumerable<int[]> ReadJsonlTokenWindows(string path, int vocab) =>
        ReadJsonl(path, "token_ids", (element, line) =>
        {
            if (element.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{path}:{line}: field \"token_ids\" should be an array of integers.");
            var ids = new int[element.GetArrayLength()];
            if (ids.Length == 0) throw new InvalidDataException($"{path}:{line}: \"token_ids\" is empty.");
            var i = 0;
            foreach (var item in element.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var id) || id < 0 || id >= vocab)
                {
                    throw new InvalidDataException($"{path}:{line}: token_ids[{i}] = {item.GetRawText()} is not a token id in [0, {vocab}).");
                }
                ids[i++] = id;
            }
            return ids;
        });

    private static IEnumerable<T> ReadJsonl<T>(string path, string field, Func<JsonElement, int, T> read)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Corpus file '{path}' does not exist.", path);
        var line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(text);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{line}: not valid JSON ({e.Message}).", e);
            }
            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty(field, out var value))
                {
                    throw new InvalidDataException($"{path}:{line}: expected an object with a \"{field}\" field.");
                }
                yield return read(value, line);
            }
        }
    }
}
