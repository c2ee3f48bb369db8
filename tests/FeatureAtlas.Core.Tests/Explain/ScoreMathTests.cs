using FeatureAtlas.Core.Explain;

namespace FeatureAtlas.Core.Tests.Explain;

/// <summary>The score statistics on cases worked by hand.</summary>
public class ScoreMathTests
{
    [Fact]
    public void Pearson_HandWorkedSeries_IsExact()
    {
        // x = 1,2,3,4; y = 2,1,4,3: centred products 0.75·(−0.5)… Σxy = 3, Σxx = Σyy = 5 → r = 0.6.
        Assert.Equal(0.6, ScoreMath.Pearson([1, 2, 3, 4], [2, 1, 4, 3]), 12);
    }

    [Fact]
    public void Pearson_ConstantSide_IsNaN()
    {
        Assert.True(double.IsNaN(ScoreMath.Pearson([0, 0, 0], [1, 2, 3])));
    }

    [Fact]
    public void Auroc_TiesCountHalf_IsExact()
    {
        // positives 3, 1; negatives 1, 0: pairs (3>1)(3>0)(1=1 → ½)(1>0) → 3.5 / 4.
        Assert.Equal(0.875, ScoreMath.Auroc([3, 1, 1, 0], [true, true, false, false]), 12);
    }

    [Fact]
    public void BalancedAccuracy_ImbalancedClasses_AveragesRates()
    {
        // threshold 1: positives 2, 0.5, 1 → TPR 2/3; negatives 0, 1.5 → TNR 1/2.
        Assert.Equal((2 / 3.0 + 0.5) / 2, ScoreMath.BalancedAccuracy([2, 0.5, 1, 0, 1.5], [true, true, true, false, false], 1), 12);
    }

    [Fact]
    public void Mean_NaNCountedAsChance_IsExact()
    {
        Assert.Equal(0.5, ScoreMath.Mean([1, double.NaN, 0], nanAs: 0.5), 12);
    }
}
