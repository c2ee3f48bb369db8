namespace FeatureAtlas.Core.Storage;

/// <summary>Unsigned LEB128: 7 bits a byte, least significant first, the high bit set on all but the last byte.</summary>
public static class Varint
{
    /// <summary>The most bytes one value takes.</summary>
    public const int MaxBytes = 10;

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Write(Span<byte> destination, ulong value)
    {
        var at = 0;
        while (value >= 0x80)
        {
            destination[at++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[at++] = (byte)value;
        return at;
    }

    /// <summary>Reads the value at <paramref name="at"/> and moves past it; false when the bytes end first or it exceeds 64 bits.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, ref int at, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= source.Length) return false;
            var b = source[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return shift < 63 || b <= 1;
        }
        return false;
    }
}
