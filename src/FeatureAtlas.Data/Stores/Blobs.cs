using System.Buffers.Binary;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// The compact encodings of arrays stored as blobs, identical on every provider: little-endian int32 (token
/// ids), uint16 (positions in a window), float32 (activations, logits), float64 (bar centres) and unsigned LEB128
/// varints (histogram counts, mostly small). Decoding checks lengths and names the field when a blob is corrupt.
/// </summary>
internal static class Blobs
{
    public static byte[] FromInt32s(ReadOnlySpan<int> values)
    {
        var blob = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(i * 4), values[i]);
        return blob;
    }

    public static int[] ToInt32s(byte[]? blob, string field)
    {
        var bytes = Checked(blob, 4, field);
        var values = new int[bytes.Length / 4];
        for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(i * 4));
        return values;
    }

    /// <summary>Positions within a window; windows are at most 65535 tokens.</summary>
    public static byte[] FromUInt16s(ReadOnlySpan<int> values, string field)
    {
        var blob = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            if ((uint)values[i] > ushort.MaxValue) throw new ArgumentOutOfRangeException(field, values[i], $"{field}: position {values[i]} is outside [0, 65535].");
            BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(i * 2), (ushort)values[i]);
        }
        return blob;
    }

    public static int[] ToUInt16s(byte[]? blob, string field)
    {
        var bytes = Checked(blob, 2, field);
        var values = new int[bytes.Length / 2];
        for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(i * 2));
        return values;
    }

    public static byte[] FromFloat32s(ReadOnlySpan<float> values)
    {
        var blob = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(blob.AsSpan(i * 4), values[i]);
        return blob;
    }

    public static float[] ToFloat32s(byte[]? blob, string field)
    {
        var bytes = Checked(blob, 4, field);
        var values = new float[bytes.Length / 4];
        for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4));
        return values;
    }

    public static byte[] FromFloat64s(ReadOnlySpan<double> values)
    {
        var blob = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(blob.AsSpan(i * 8), values[i]);
        return blob;
    }

    public static double[] ToFloat64s(byte[]? blob, string field)
    {
        var bytes = Checked(blob, 8, field);
        var values = new double[bytes.Length / 8];
        for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(i * 8));
        return values;
    }

    /// <summary>Non-negative counts as unsigned LEB128: 7 bits a byte, high bit set on all but the last.</summary>
    public static byte[] FromVarInts(ReadOnlySpan<long> values, string field)
    {
        var blob = new byte[values.Length * Varint.MaxBytes];
        var at = 0;
        foreach (var value in values)
        {
            if (value < 0) throw new ArgumentOutOfRangeException(field, value, $"{field}: counts cannot be negative.");
            at += Varint.Write(blob.AsSpan(at), (ulong)value);
        }
        return blob[..at];
    }

    public static long[] ToVarInts(byte[]? blob, int count, string field)
    {
        var values = new long[count];
        var at = 0;
        var bytes = blob ?? [];
        for (var i = 0; i < count; i++)
        {
            if (!Varint.TryRead(bytes, ref at, out var v) || v > long.MaxValue)
            {
                throw new InvalidDataException($"{field}: varint blob of {bytes.Length} bytes ends before its {count} values.");
            }
            values[i] = (long)v;
        }
        if (at != bytes.Length) throw new InvalidDataException($"{field}: varint blob holds more than {count} values.");
        return values;
    }

    private static ReadOnlySpan<byte> Checked(byte[]? blob, int size, string field)
    {
        blob ??= [];
        if (blob.Length % size != 0) throw new InvalidDataException($"{field}: blob of {blob.Length} bytes is not a whole number of {size}-byte values.");
        return blob;
    }
}
