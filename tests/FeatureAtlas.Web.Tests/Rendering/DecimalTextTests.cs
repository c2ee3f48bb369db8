using System.Globalization;
using FeatureAtlas.Web.Rendering;

namespace FeatureAtlas.Web.Tests.Rendering;

/// <summary>
/// The page's fast number formats write exactly what .NET's formatter writes (the reference here), on random values of
/// every magnitude a page shows, on values at and beside rounding halves, and on the edges (zero, negative zero,
/// infinities, NaN).
/// </summary>
public sealed class DecimalTextTests
{
    private static string Value(float value)
    {
        Span<char> text = stackalloc char[64];
        Assert.True(DecimalText.TryFormatValue(value, text, out var written));
        return new string(text[..written]);
    }

    private static string Decimals(double value, int decimals)
    {
        Span<char> text = stackalloc char[64];
        Assert.True(DecimalText.TryFormat(value, decimals, text, out var written));
        return new string(text[..written]);
    }

    private static string Reference(float value) => Math.Abs(value) >= 1 || value == 0 || !float.IsFinite(value)
        ? value.ToString("0.###", CultureInfo.InvariantCulture)
        : value.ToString("G3", CultureInfo.InvariantCulture);

    // Random values spread over magnitudes 1e-6 .. 1e7, both signs, and values at, just below and just above the
    // halves where .NET's two roundings could part from one.
    private static IEnumerable<double> Values(int seed, int count)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var magnitude = Math.Pow(10, random.NextDouble() * 13 - 6);
            var value = random.Next(4) == 0 ? -magnitude : magnitude;
            yield return value;
            if (i % 4 == 0)
            {
                // A half at the third (or second) decimal, and its neighbours.
                var unit = random.Next(2) == 0 ? 1000 : 100;
                var half = (Math.Floor(magnitude * unit) + 0.5) / unit;
                yield return half;
                yield return Math.BitDecrement(half);
                yield return Math.BitIncrement(half);
            }
        }
    }

    [Fact]
    public void TryFormatValue_EqualsDotNet_OnRandomFloatsAndHalves()
    {
        var mismatches = Values(seed: 11, count: 400_000).Select(v => (float)v)
            .Where(v => Value(v) != Reference(v)).Take(5).Select(v => $"{v:R}: {Value(v)} vs {Reference(v)}").ToArray();
        Assert.Empty(mismatches);
    }

    [Fact]
    public void TryFormatValue_EqualsDotNet_OnEveryFloatNearOne()
    {
        // Every float in [0.99, 1.01) and in [0.0999, 0.1001): where the format switches and digits carry over.
        var mismatches = new List<string>();
        foreach (var (low, high) in new[] { (0.99f, 1.01f), (0.0999f, 0.1001f), (0.000999f, 0.001001f) })
        {
            for (var v = low; v < high && mismatches.Count < 5; v = MathF.BitIncrement(v))
            {
                if (Value(v) != Reference(v)) mismatches.Add($"{v:R}: {Value(v)} vs {Reference(v)}");
            }
        }
        Assert.Empty(mismatches);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void TryFormat_EqualsDotNet_OnRandomDoublesAndHalves(int decimals)
    {
        var format = decimals == 2 ? "0.##" : "0.###";
        var mismatches = Values(seed: 12 + decimals, count: 400_000)
            .Where(v => Decimals(v, decimals) != v.ToString(format, CultureInfo.InvariantCulture))
            .Take(5).Select(v => $"{v:R}: {Decimals(v, decimals)} vs {v.ToString(format, CultureInfo.InvariantCulture)}").ToArray();
        Assert.Empty(mismatches);
    }

    [Fact]
    public void Formats_Edges_AsDotNet()
    {
        foreach (var v in new[] { 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, -0.0001f, 1e-30f, 99.9995f, 100f, 12345.678f })
        {
            Assert.Equal(Reference(v), Value(v));
            Assert.Equal(((double)v).ToString("0.##", CultureInfo.InvariantCulture), Decimals(v, 2));
        }
        // Halves that are exact in binary round up, as .NET rounds its digits.
        Assert.Equal("13.13", Decimals(13.125, 2));
        Assert.Equal("0.63", Decimals(0.625, 2));
        Assert.Equal("-2.5", Decimals(-2.5, 3));
    }
}
