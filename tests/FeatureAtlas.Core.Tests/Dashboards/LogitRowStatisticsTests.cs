using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Core.Tests.Dashboards;

/// <summary>
/// A logit row's extremes and histogram are found eight values at a time; these check them against the rules written
/// out plainly (a full sort with ties to the lower index, and floor((v − min) ÷ (max − min) × bins) per value) on rows
/// full of ties and exact bar edges, with lengths that leave a partial group at the end.
/// </summary>
public class LogitRowStatisticsTests
{
    [Theory]
    [InlineData(50_257, 10)]
    [InlineData(1_003, 3)]
    [InlineData(7, 10)]
    public void Extremes_RowWithTies_EqualSortTiesToLowerIndex(int length, int k)
    {
        var row = TiedRow(length, seed: length);

        var (largest, smallest, sawNaN) = FeatureLogits.Extremes(row, Math.Min(k, length));

        var byValue = Enumerable.Range(0, length).ToArray();
        Assert.Equal(byValue.OrderByDescending(i => row[i]).ThenBy(i => i).Take(k), largest);
        Assert.Equal(byValue.OrderBy(i => row[i]).ThenBy(i => i).Take(k), smallest);
        Assert.False(sawNaN);
    }

    [Fact]
    public void Extremes_RowWithNaN_SaysSoAndLeavesItOut()
    {
        var row = TiedRow(100, seed: 1);
        row[40] = float.NaN;
        row[41] = 1e30f;

        var (largest, _, sawNaN) = FeatureLogits.Extremes(row, 3);

        Assert.True(sawNaN);
        Assert.Equal(41, largest[0]);
        Assert.DoesNotContain(40, largest);
    }

    [Theory]
    [InlineData(50_257, 50)]
    [InlineData(13, 4)]
    public void Histogram_WithKnownRange_EachValueInItsFloorBar(int length, int bins)
    {
        var row = TiedRow(length, seed: 7);
        float min = row.Min(), max = row.Max();

        var histogram = Histogram.Of(row, min, max, bins);

        var expected = new long[bins];
        foreach (var v in row) expected[Math.Min(bins - 1, (int)Math.Floor(((double)v - min) / ((double)max - min) * bins))]++;
        Assert.Equal(expected, histogram.BarHeights);
        var found = Histogram.Of(row, bins);
        Assert.Equal(found.BarHeights, histogram.BarHeights);
        Assert.Equal(found.BarValues, histogram.BarValues);
        Assert.Equal(length, histogram.BarHeights.Sum());
    }

    [Fact]
    public void Histogram_ConstantRow_AllInTheFirstBar()
    {
        var row = Enumerable.Repeat(2.5f, 20).ToArray();

        Assert.Equal([20L, 0, 0], Histogram.Of(row, 2.5f, 2.5f, 3).BarHeights);
    }

    /// <summary>Values on a grid of 0.25 in [−8, 8]: many exact ties, and every bar edge of 4 or 64 bars is hit exactly.</summary>
    private static float[] TiedRow(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.Next(-32, 33) * 0.25f).ToArray();
    }
}
