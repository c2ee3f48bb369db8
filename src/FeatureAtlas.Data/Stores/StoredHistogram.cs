using System.Runtime.InteropServices;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// A histogram as stored: bar count, range and heights. Bar centres are the equal-bar centres of [Min, Max]
/// (<see cref="Histogram.Centres"/>), recomputed on read; the centres themselves are stored only when no known
/// range reproduces them bit for bit, so reading always returns exactly what was saved.
/// </summary>
internal readonly record struct StoredHistogram(int Bins, double Min, double Max, byte[] Heights, byte[]? Centres)
{
    /// <summary>
    /// Encodes <paramref name="histogram"/>, trying the given ranges (e.g. the feature's min and max) and then the
    /// range implied by the first and last centres.
    /// </summary>
    public static StoredHistogram From(Histogram histogram, string field, params ReadOnlySpan<(double Min, double Max)> ranges)
    {
        var centres = histogram.BarValues;
        var n = centres.Length;
        if (histogram.BarHeights.Length != n)
        {
            throw new ArgumentException($"{field}: {n} bar values but {histogram.BarHeights.Length} bar heights.", nameof(histogram));
        }
        var heights = Blobs.FromVarInts(histogram.BarHeights, field);
        if (n == 0) return new StoredHistogram(0, 0, 0, heights, null);

        foreach (var (min, max) in ranges)
        {
            if (Reproduces(centres, min, max)) return new StoredHistogram(n, min, max, heights, null);
        }
        var width = n > 1 ? (centres[^1] - centres[0]) / (n - 1) : 0;
        var lo = centres[0] - width / 2;
        var hi = centres[^1] + width / 2;
        if (Reproduces(centres, lo, hi)) return new StoredHistogram(n, lo, hi, heights, null);
        return new StoredHistogram(n, lo, hi, heights, Blobs.FromFloat64s(centres));
    }

    public Histogram ToHistogram(string field)
    {
        if (Bins == 0) return Histogram.Empty;
        var centres = Centres is null ? Histogram.Centres(Min, Max, Bins) : Blobs.ToFloat64s(Centres, field);
        if (centres.Length != Bins) throw new InvalidDataException($"{field}: {centres.Length} stored bar centres for {Bins} bars.");
        return new Histogram(centres, Blobs.ToVarInts(Heights, Bins, field));
    }

    private static bool Reproduces(double[] centres, double min, double max) =>
        MemoryMarshal.AsBytes(Histogram.Centres(min, max, centres.Length).AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(centres.AsSpan()));
}
