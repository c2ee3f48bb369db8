using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace FeatureAtlas.Core.IO;

/// <summary>
/// NumPy's .npy format (version 1.0) for row-major float32 matrices, the way reference scripts exchange data
/// with the engine (<c>numpy.load</c> / <c>numpy.save</c>).
/// </summary>
public static partial class NpyFile
{
    /// <summary>Writes a float32 matrix [rows, columns], temp-then-rename.</summary>
    public static void Write(string path, ReadOnlySpan<float> data, int rows, int columns)
    {
        if (data.Length != (long)rows * columns) throw new ArgumentException($"data has {data.Length} elements, expected [{rows}, {columns}].", nameof(data));
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}";
        // Magic (6) + version (2) + length (2) + header + '\n', padded with spaces to a multiple of 64.
        var total = (10 + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - 10 - 1) + "\n";
        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        {
            stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            stream.Write(BitConverter.GetBytes((ushort)header.Length));
            stream.Write(Encoding.ASCII.GetBytes(header));
            stream.Write(MemoryMarshal.AsBytes(data));
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads a little-endian float32 C-order matrix (a vector reads as [n, 1]).</summary>
    public static (float[] Data, int Rows, int Columns) Read(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> prefix = stackalloc byte[10];
        stream.ReadExactly(prefix);
        if (prefix[0] != 0x93 || prefix[1] != (byte)'N' || prefix[6] is not (1 or 2 or 3)) throw new InvalidDataException($"{path}: not a .npy file.");
        int headerLength = prefix[6] == 1 ? BitConverter.ToUInt16(prefix[8..]) : ReadLonger(stream, prefix);
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        var header = Encoding.ASCII.GetString(headerBytes);
        if (!header.Contains("'<f4'", StringComparison.Ordinal)) throw new InvalidDataException($"{path}: dtype must be '<f4' (float32), header is {header.Trim()}.");
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal)) throw new InvalidDataException($"{path}: Fortran order is not supported.");
        var shape = ShapePattern().Match(header);
        if (!shape.Success) throw new InvalidDataException($"{path}: no shape in header {header.Trim()}.");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        if (dims.Length is 0 or > 2) throw new InvalidDataException($"{path}: expected a 1-D or 2-D array, shape is ({shape.Groups[1].Value}).");
        int rows = dims[0], columns = dims.Length == 2 ? dims[1] : 1;
        var data = new float[(long)rows * columns];
        stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
        return (data, rows, columns);
    }

    private static int ReadLonger(Stream stream, ReadOnlySpan<byte> prefix)
    {
        Span<byte> rest = stackalloc byte[2];
        stream.ReadExactly(rest);
        return (int)BitConverter.ToUInt32([prefix[8], prefix[9], rest[0], rest[1]]);
    }

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
