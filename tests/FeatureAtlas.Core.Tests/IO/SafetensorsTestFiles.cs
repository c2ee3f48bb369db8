using System.Buffers.Binary;
using System.Text;

namespace FeatureAtlas.Core.Tests.IO;

/// <summary>
/// A scratch directory per test class, and a builder for hand-made safetensors bytes so that tests
/// can state exactly which byte is wrong.
/// </summary>
internal sealed class SafetensorsTestFiles : IDisposable
{
    public SafetensorsTestFiles()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "featureatlas-io-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string PathOf(string fileName) => System.IO.Path.Combine(Directory, fileName);

    /// <summary>Writes <paramref name="bytes"/> to a file in the scratch directory and returns its path.</summary>
    public string Save(string fileName, byte[] bytes)
    {
        string path = PathOf(fileName);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>8-byte little-endian header length, the header text as UTF-8, then <paramref name="dataLength"/> bytes.</summary>
    public static byte[] Build(string header, int dataLength, byte fill = 0)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        return Build(json, (ulong)json.Length, Enumerable.Repeat(fill, dataLength).ToArray());
    }

    public static byte[] Build(byte[] header, ulong declaredHeaderLength, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    /// <summary>Little-endian bytes of 16-bit patterns (F16/BF16 payloads).</summary>
    public static byte[] Bits16(params ushort[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), values[i]);
        return bytes;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A mapping still open elsewhere must not fail the test that owns the directory.
        }
    }
}
