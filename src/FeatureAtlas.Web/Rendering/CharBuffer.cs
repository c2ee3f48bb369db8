using System.Buffers;
using System.Globalization;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// A growable char buffer rented from the shared pool, for markup assembled piece by piece and handed to a writer in
/// one call (<see cref="TokenRow"/>, <see cref="SvgHistogram"/>): a write per piece cost more than the pieces, and a
/// StringBuilder's chunks and its final string were a quarter of a feature page's allocation. Numbers are written in
/// place, in the formats <see cref="DecimalText"/> documents. Call <see cref="Return"/> when done.
/// </summary>
internal struct CharBuffer(int capacity)
{
    public char[] Chars = ArrayPool<char>.Shared.Rent(capacity);
    public int Length;

    public void Append(ReadOnlySpan<char> text)
    {
        Ensure(text.Length);
        text.CopyTo(Chars.AsSpan(Length));
        Length += text.Length;
    }

    /// <summary>An activation as <see cref="DecimalText.TryFormatValue"/> writes it; false (nothing written) when it cannot.</summary>
    public bool TryAppendValue(float value)
    {
        Ensure(32);
        if (!DecimalText.TryFormatValue(value, Chars.AsSpan(Length), out var written)) return false;
        Length += written;
        return true;
    }

    /// <summary><paramref name="value"/> as <c>"0.##"</c> (<paramref name="decimals"/> 2) or <c>"0.###"</c> (3) writes it (<see cref="DecimalText.TryFormat"/>).</summary>
    public void Append(double value, int decimals)
    {
        Ensure(400);   // any double in either format
        if (!DecimalText.TryFormat(value, decimals, Chars.AsSpan(Length), out var written)) throw new InvalidOperationException($"{value:R} did not fit 400 chars.");
        Length += written;
    }

    /// <summary>An integer in the invariant culture, with a format such as <c>"N0"</c> (1,234) or none.</summary>
    public void Append(long value, string? format = null)
    {
        Ensure(32);
        if (!value.TryFormat(Chars.AsSpan(Length), out var written, format, CultureInfo.InvariantCulture)) throw new InvalidOperationException($"{value} did not fit 32 chars.");
        Length += written;
    }

    /// <summary>Hands the text to <paramref name="writer"/> in one call.</summary>
    public readonly void WriteTo(TextWriter writer) => writer.Write(Chars, 0, Length);

    public void Return() => ArrayPool<char>.Shared.Return(Chars);

    private void Ensure(int more)
    {
        if (Length + more <= Chars.Length) return;
        var bigger = ArrayPool<char>.Shared.Rent(Math.Max(Chars.Length * 2, Length + more));
        Chars.AsSpan(0, Length).CopyTo(bigger);
        ArrayPool<char>.Shared.Return(Chars);
        Chars = bigger;
    }
}
