using System.Text.Json;
using System.Text.Unicode;

namespace FeatureAtlas.Core.IO;

/// <summary>
/// Parses and validates the JSON header of a safetensors file, following the reference reader
/// (huggingface/safetensors <c>read_metadata</c> and <c>Metadata::validate</c>). Every failure is an
/// <see cref="InvalidDataException"/> that names the file; nothing else escapes on corrupt input.
/// </summary>
internal sealed record SafetensorsHeader(
    IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors,
    IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The reference reader's <c>MAX_HEADER_SIZE</c>.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string path)
    {
        // Utf8JsonReader only checks UTF-8 inside the strings it decodes; the format demands the
        // whole header be UTF-8, as Rust's from_utf8 does before serde sees it.
        if (!Utf8.IsValid(json))
            throw Corrupt(path, "the header is not valid UTF-8");

        var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        Dictionary<string, string>? metadata = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Corrupt(path, $"the header must be a JSON object, found {reader.TokenType}");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string key = reader.GetString()!;
                if (key == MetadataKey)
                {
                    if (metadata is not null)
                        throw Corrupt(path, $"duplicate key '{MetadataKey}' in the header");
                    metadata = ReadMetadata(ref reader, path);
                }
                else
                {
                    if (tensors.ContainsKey(key))
                        throw Corrupt(path, $"duplicate tensor '{key}' in the header");
                    tensors.Add(key, ReadEntry(ref reader, key, path));
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject)
                throw Corrupt(path, "the header's JSON object is not closed");
            // With isFinalBlock the reader throws on anything but whitespace after the object.
            if (reader.Read())
                throw Corrupt(path, $"unexpected {reader.TokenType} after the header's JSON object");
        }
        catch (JsonException e)
        {
            throw Corrupt(path, $"the header is not valid JSON ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            // GetString throws this for escapes that are not valid UTF-16 (lone surrogates).
            throw Corrupt(path, $"the header holds an undecodable string ({e.Message})", e);
        }

        foreach (var info in tensors.Values)
            ValidateExtent(info, dataLength, path);
        ValidateTiling(tensors.Values, dataLength, path);
        return new SafetensorsHeader(tensors, metadata ?? new Dictionary<string, string>());
    }

    private static Dictionary<string, string> ReadMetadata(ref Utf8JsonReader reader, string path)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Corrupt(path, $"'{MetadataKey}' must be an object of strings, found {reader.TokenType}");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw Corrupt(path, $"'{MetadataKey}' entry '{key}' must be a string, found {reader.TokenType}");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw Corrupt(path, $"duplicate key '{key}' in '{MetadataKey}'");
        }
        return metadata;
    }

    private static SafetensorsTensorInfo ReadEntry(ref Utf8JsonReader reader, string name, string path)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Corrupt(path, $"tensor '{name}': the entry must be an object, found {reader.TokenType}");

        SafetensorsDtype? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "dtype":
                    RejectDuplicate(dtype is not null, name, field, path);
                    dtype = ReadDtype(ref reader, name, path);
                    break;
                case "shape":
                    RejectDuplicate(shape is not null, name, field, path);
                    shape = ReadIntegers(ref reader, name, field, path);
                    break;
                case "data_offsets":
                    RejectDuplicate(offsets is not null, name, field, path);
                    offsets = ReadIntegers(ref reader, name, field, path);
                    if (offsets.Length != 2)
                        throw Corrupt(path, $"tensor '{name}': 'data_offsets' must hold 2 integers, found {offsets.Length}");
                    break;
                default:
                    // The reference ignores unknown fields (serde without deny_unknown_fields).
                    reader.Skip();
                    break;
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            string missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw Corrupt(path, $"tensor '{name}': the entry has no '{missing}'");
        }
        return new SafetensorsTensorInfo(name, dtype.Value, shape, offsets[0], offsets[1]);
    }

    private static SafetensorsDtype ReadDtype(ref Utf8JsonReader reader, string name, string path)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw Corrupt(path, $"tensor '{name}': 'dtype' must be a string, found {reader.TokenType}");
        string text = reader.GetString()!;
        if (!SafetensorsDtypeExtensions.TryParse(text, out var dtype))
            throw Corrupt(path, $"tensor '{name}': unknown dtype '{text}'");
        return dtype;
    }

    /// <summary>Reads an array of non-negative integers (shape dims or offsets; usize in the reference).</summary>
    private static long[] ReadIntegers(ref Utf8JsonReader reader, string name, string field, string path)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Corrupt(path, $"tensor '{name}': '{field}' must be an array of integers, found {reader.TokenType}");
        var values = new List<long>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value))
                throw Corrupt(path, $"tensor '{name}': '{field}'[{values.Count}] must be an integer that fits in 64 bits, found {reader.TokenType}");
            if (value < 0)
                throw Corrupt(path, $"tensor '{name}': '{field}'[{values.Count}] is {value}; expected a non-negative integer");
            values.Add(value);
        }
        return [.. values];
    }

    private static void RejectDuplicate(bool seen, string name, string field, string path)
    {
        if (seen)
            throw Corrupt(path, $"tensor '{name}': duplicate field '{field}'");
    }

    private static void ValidateExtent(SafetensorsTensorInfo info, long dataLength, string path)
    {
        if (info.Begin > info.End)
            throw Corrupt(path, $"tensor '{info.Name}': data_offsets begin {info.Begin} is after end {info.End}");
        if (info.End > dataLength)
            throw Corrupt(path, $"tensor '{info.Name}': data_offsets end {info.End} is beyond the data section of {dataLength} bytes");

        long bytes;
        try
        {
            // The reference uses checked usize arithmetic and calls overflow ValidationOverflow.
            long bits = checked(info.ElementCount * info.Dtype.BitSize());
            if (bits % 8 != 0)
                throw Corrupt(path, $"tensor '{info.Name}': {info.ElementCount} {info.Dtype} elements do not fill whole bytes");
            bytes = bits / 8;
        }
        catch (OverflowException e)
        {
            throw Corrupt(path, $"tensor '{info.Name}': shape [{string.Join(", ", info.Shape)}] of {info.Dtype} overflows 64-bit size arithmetic", e);
        }
        if (bytes != info.ByteLength)
            throw Corrupt(path, $"tensor '{info.Name}': shape [{string.Join(", ", info.Shape)}] of {info.Dtype} needs {bytes} bytes, but data_offsets span {info.ByteLength}");
    }

    /// <summary>Sorted by offsets, tensors must cover the data section from 0 to its end exactly once.</summary>
    private static void ValidateTiling(IEnumerable<SafetensorsTensorInfo> tensors, long dataLength, string path)
    {
        var ordered = tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ThenBy(t => t.Name, StringComparer.Ordinal);
        long covered = 0;
        string? previous = null;
        foreach (var info in ordered)
        {
            if (info.Begin < covered)
                throw Corrupt(path, $"tensor '{info.Name}' at bytes [{info.Begin}, {info.End}) overlaps tensor '{previous}' ending at {covered}");
            if (info.Begin > covered)
                throw Corrupt(path, $"tensor '{info.Name}' begins at byte {info.Begin}, leaving a hole after byte {covered}; tensors must tile the data section");
            covered = info.End;
            previous = info.Name;
        }
        if (covered != dataLength)
            throw Corrupt(path, $"the data section is {dataLength} bytes but its tensors end at byte {covered}; 8 + header + last end must equal the file length");
    }

    internal static InvalidDataException Corrupt(string path, string detail, Exception? inner = null) =>
        new($"Invalid safetensors file '{path}': {detail}.", inner);
}
