using System.Diagnostics;
using System.Globalization;

namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// The page's number formats, written without .NET's general formatter where the answer is certain, and by it where
/// not: a feature page formats ~1,100 numbers (active tokens' shades and titles, histogram bars), and .NET's custom
/// formats took 5% of its CPU under load. The output equals .NET's for every value (tests compare them on millions).
/// </summary>
/// <remarks>
/// .NET rounds twice: first to 7 significant digits (float) or 15 (double), then half-up to the format's decimals;
/// G3 rounds the exact value once. A scaled value far from a half (<see cref="Margin"/>) rounds the same under
/// either, so it is rounded here; one near a half goes to .NET.
/// </remarks>
public static class DecimalText
{
    // How close to a half a scaled value may come and still be rounded here. The first rounding moves a float below
    // 100 by at most 0.005 of a unit of its third decimal (7 digits leave 5 decimals), a double below 1e6 by 5e-7 (15
    // leave 9); the scaled products below are exact for floats and within 1e-7 for doubles.
    private const double Margin = 0.01;

    /// <summary>An activation's text (<see cref="ViewHelpers.Value"/>): "0.###" from 1 up, "G3" below (invariant culture).</summary>
    public static bool TryFormatValue(float value, Span<char> destination, out int written)
    {
        var magnitude = Math.Abs(value);
        if (magnitude >= 1 || value == 0 || !float.IsFinite(value))
        {
            if (magnitude < 100 && TryWrite(value, 3, destination, out written)) return true;
            return value.TryFormat(destination, out written, "0.###", CultureInfo.InvariantCulture);
        }
        // 3 significant digits of a value in [0.001, 1): the digits of value × 10^(k), k = 3..5, exact in a double.
        if (magnitude >= 0.001f)
        {
            var zeros = magnitude >= 0.1f ? 0 : magnitude >= 0.01f ? 1 : 2;
            var scaled = magnitude * (zeros == 0 ? 1e3 : zeros == 1 ? 1e4 : 1e5);
            if (RoundFar(scaled, out var digits) && digits < 1000 && digits >= 100 && destination.Length >= 8)
            {
                var at = 0;
                if (value < 0) destination[at++] = '-';
                destination[at++] = '0';
                destination[at++] = '.';
                for (var z = 0; z < zeros; z++) destination[at++] = '0';
                written = at + Fraction((int)digits, 3, destination[at..]);
                return true;
            }
        }
        return value.TryFormat(destination, out written, "G3", CultureInfo.InvariantCulture);
    }

    /// <summary>As <c>value.ToString("0.##")</c> (<paramref name="decimals"/> 2) or "0.###" (3), invariant culture.</summary>
    public static bool TryFormat(double value, int decimals, Span<char> destination, out int written)
    {
        if (Math.Abs(value) < 1e6 && TryWrite(value, decimals, destination, out written)) return true;
        return value.TryFormat(destination, out written, decimals == 2 ? "0.##" : "0.###", CultureInfo.InvariantCulture);
    }

    /// <summary><see cref="TryFormatValue"/> as a string.</summary>
    public static string FormatValue(float value)
    {
        // 64 chars hold any float in either format.
        Span<char> text = stackalloc char[64];
        if (!TryFormatValue(value, text, out var written)) throw new UnreachableException($"{value:R} did not fit 64 chars.");
        return new string(text[..written]);
    }

    // |value| below 1e6, with 2 or 3 decimals, when it is far from a rounding half.
    private static bool TryWrite(double value, int decimals, Span<char> destination, out int written)
    {
        written = 0;
        if (decimals is not (2 or 3) || destination.Length < 16) return false;
        var unit = decimals == 2 ? 100L : 1000L;
        if (!RoundFar(Math.Abs(value) * unit, out var scaled)) return false;
        // .NET writes "-0" for a negative value that rounds to zero (and for -0 itself); let it.
        var negative = double.IsNegative(value);
        if (negative && scaled == 0) return false;
        var at = 0;
        if (negative) destination[at++] = '-';
        var whole = scaled / unit;
        var fraction = (int)(scaled % unit);
        whole.TryFormat(destination[at..], out var digits, default, CultureInfo.InvariantCulture);
        at += digits;
        if (fraction != 0)
        {
            destination[at++] = '.';
            at += Fraction(fraction, decimals, destination[at..]);
        }
        written = at;
        return true;
    }

    // The nearest integer to a non-negative scaled value, unless it lies within Margin of a half.
    private static bool RoundFar(double scaled, out long rounded)
    {
        var floor = Math.Floor(scaled);
        var above = scaled - floor;
        rounded = (long)floor + (above > 0.5 ? 1 : 0);
        return Math.Abs(above - 0.5) > Margin;
    }

    // A fraction of `places` digits (leading zeros kept), trailing zeros dropped; returns the chars written.
    private static int Fraction(int fraction, int places, Span<char> destination)
    {
        while (fraction % 10 == 0 && places > 0)
        {
            fraction /= 10;
            places--;
        }
        for (var i = places - 1; i >= 0; i--)
        {
            destination[i] = (char)('0' + fraction % 10);
            fraction /= 10;
        }
        return places;
    }
}
