using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Statistics;
using FeatureAtlas.Data.Stores;

namespace FeatureAtlas.Data.Tests.Stores;

public sealed class StoredHistogramTests
{
    [Fact]
    public void From_CentresOfARange_StoresOnlyTheRange()
    {
        var histogram = new Histogram(Histogram.Centres(0.013f, 7.31f, 50), Enumerable.Range(0, 50).Select(i => (long)i * i).ToArray());

        var stored = StoredHistogram.From(histogram, "h", (0.013f, 7.31f));

        Assert.Null(stored.Centres);
        Assert.Equal((50, (double)0.013f, (double)7.31f), (stored.Bins, stored.Min, stored.Max));
        var back = stored.ToHistogram("h");
        Assert.Equal(histogram.BarValues, back.BarValues);
        Assert.Equal(histogram.BarHeights, back.BarHeights);
    }

    [Fact]
    public void From_ArbitraryCentres_KeepsThemBitForBit()
    {
        var histogram = new Histogram([0.1, 0.2, 0.7], [1, 2, 3]);

        var stored = StoredHistogram.From(histogram, "h");

        Assert.NotNull(stored.Centres);
        Assert.Equal(histogram.BarValues, stored.ToHistogram("h").BarValues);
    }

    [Fact]
    public void From_Empty_IsZeroBins()
    {
        var stored = StoredHistogram.From(Histogram.Empty, "h");

        Assert.Equal(0, stored.Bins);
        Assert.Empty(stored.ToHistogram("h").BarValues);
    }

    [Fact]
    public void From_HeightsAndValuesDiffer_Throws() =>
        Assert.Throws<ArgumentException>(() => StoredHistogram.From(new Histogram([1.0, 2.0], [1]), "h"));
}
