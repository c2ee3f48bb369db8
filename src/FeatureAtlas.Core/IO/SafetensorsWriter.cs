using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FeatureAtlas.Core.IO;

/// <summary>
/// Writes safetensors files laid out as the reference writer does (huggingface/safetensors
/// <c>prepare</c>): tensors sorted by name, header JSON padded with spaces to a multiple of 8 so the
/// data section starts 8-byte aligned, data little-endian and row-major.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>One tensor to write: <paramref name="Data"/> is row-major and holds product(<paramref name="Shape"/>) floats.</summary>
    public readonly record struct Entry(string Name, int[] Shape, ReadOnlyMemory<float> Data);

    // Floats converted per chunk for F16/BF16, and per write call for F32: 1 Mi elements keeps the
    // pooled buffer at 2 MiB and every span well inside int range however large the tensor.
    private const int ChunkElements = 1 << 20;

    /// <summary>Writes F32 tensors to <paramref name="path"/>, replacing any existing file atomically.</summary>
    public static void Write(string path, IEnumerable<Entry> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, tensors, SafetensorsDtype.F32, metadata);

    /// <summary>
    /// Writes every tensor as <paramref name="dtype"/> (F32, or F16/BF16 rounded to nearest even).
    /// The bytes go to <c>path + ".tmp"</c>, are flushed to disk, then renamed over <paramref name="path"/>,
    /// so readers never see a half-written file.
    /// </summary>
    public static void Write(string path, IEnumerable<Entry> tensors, SafetensorsDtype dtype,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!dtype.IsConvertibleToFloat32())
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Only F32, F16 and BF16 can be written from floats.");
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; big-endian hosts are not supported.");

        var ordered = tensors.ToArray();
        Array.Sort(ordered, (a, b) => string.CompareOrdinal(a.Name, b.Name));
        Validate(ordered);
        byte[] header = BuildHeader(ordered, dtype, metadata);
        if (header.Length > SafetensorsHeader.MaxHeaderBytes)
            throw new ArgumentException($"The header would be {header.Length} bytes, over the format's limit of {SafetensorsHeader.MaxHeaderBytes}.", nameof(metadata));

        string temporary = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var entry in ordered)
                    WriteData(stream, entry.Data.Span, dtype);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            // Best effort: the original exception matters more than a leftover temporary file.
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    private static void Validate(Entry[] ordered)
    {
        for (int i = 0; i < ordered.Length; i++)
        {
            var entry = ordered[i];
            if (string.IsNullOrEmpty(entry.Name))
                throw new ArgumentException("Every tensor needs a non-empty name.", "tensors");
            if (entry.Name == "__metadata__")
                throw new ArgumentException("'__metadata__' is reserved for the metadata map.", "tensors");
            if (i > 0 && entry.Name == ordered[i - 1].Name)
                throw new ArgumentException($"Tensor '{entry.Name}' appears more than once.", "tensors");
            if (entry.Shape is null)
                throw new ArgumentException($"Tensor '{entry.Name}' has no shape.", "tensors");

            long count = 1;
            foreach (int dim in entry.Shape)
            {
                if (dim < 0)
                    throw new ArgumentOutOfRangeException("tensors", dim, $"Tensor '{entry.Name}' has a negative dimension.");
                count = checked(count * dim);
            }
            if (count != entry.Data.Length)
                throw new ArgumentException(
                    $"Tensor '{entry.Name}' has shape [{string.Join(", ", entry.Shape)}] = {count} elements but {entry.Data.Length} values.",
                    "tensors");
        }
    }

    private static byte[] BuildHeader(Entry[] ordered, SafetensorsDtype dtype, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps non-ASCII names readable; the header is never embedded in HTML.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is not null)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                    json.WriteString(key, value ?? throw new ArgumentException($"Metadata '{key}' is null.", nameof(metadata)));
                json.WriteEndObject();
            }

            long offset = 0;
            int bytesPerElement = dtype.BitSize() / 8;
            foreach (var entry in ordered)
            {
                long end = offset + (long)entry.Data.Length * bytesPerElement;
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", dtype.ToString());
                json.WriteStartArray("shape");
                foreach (int dim in entry.Shape)
                    json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }

        int padding = (8 - buffer.WrittenCount % 8) % 8;
        buffer.GetSpan(padding)[..padding].Fill((byte)' ');
        buffer.Advance(padding);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteData(FileStream stream, ReadOnlySpan<float> data, SafetensorsDtype dtype)
    {
        if (dtype == SafetensorsDtype.F32)
        {
            for (int i = 0; i < data.Length; i += ChunkElements)
                stream.Write(MemoryMarshal.AsBytes(data.Slice(i, Math.Min(ChunkElements, data.Length - i))));
            return;
        }

        ushort[] rented = ArrayPool<ushort>.Shared.Rent(Math.Min(ChunkElements, data.Length));
        try
        {
            for (int i = 0; i < data.Length; i += ChunkElements)
            {
                var chunk = data.Slice(i, Math.Min(ChunkElements, data.Length - i));
                var narrowed = rented.AsSpan(0, chunk.Length);
                if (dtype == SafetensorsDtype.F16)
                    HalfConversion.NarrowToF16(chunk, narrowed);
                else
                    HalfConversion.NarrowToBF16(chunk, narrowed);
                stream.Write(MemoryMarshal.AsBytes(narrowed));
            }
        }
        finally
        {
            ArrayPool<ushort>.Shared.Return(rented);
        }
    }
}
