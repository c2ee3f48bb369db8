using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Data.Tests.TestSupport;

/// <summary>Exact comparison of dashboards: every number, in order, sparse vectors included.</summary>
internal static class DashboardAssert
{
    public static void Equal(FeatureTables? expected, FeatureTables? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }
        Assert.NotNull(actual);
        Assert.Equal(expected.NeuronAlignmentIndices, actual.NeuronAlignmentIndices);
        Assert.Equal(expected.NeuronAlignmentValues, actual.NeuronAlignmentValues);
        Assert.Equal(expected.NeuronAlignmentL1, actual.NeuronAlignmentL1);
        Assert.Equal(expected.CorrelatedNeuronsIndices, actual.CorrelatedNeuronsIndices);
        Assert.Equal(expected.CorrelatedNeuronsPearson, actual.CorrelatedNeuronsPearson);
        Assert.Equal(expected.CorrelatedNeuronsCosine, actual.CorrelatedNeuronsCosine);
        Assert.Equal(expected.CorrelatedFeaturesIndices, actual.CorrelatedFeaturesIndices);
        Assert.Equal(expected.CorrelatedFeaturesPearson, actual.CorrelatedFeaturesPearson);
        Assert.Equal(expected.CorrelatedFeaturesCosine, actual.CorrelatedFeaturesCosine);
    }

    public static void Equal(FeatureDashboard expected, FeatureDashboard? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Index, actual.Index);
        Assert.Equal(expected.FracNonzero, actual.FracNonzero);
        Assert.Equal(expected.NonzeroCount, actual.NonzeroCount);
        Assert.Equal(expected.MaxActivation, actual.MaxActivation);
        Assert.Equal(expected.MinNonzeroActivation, actual.MinNonzeroActivation);
        Equal(expected.ActivationHistogram, actual.ActivationHistogram);
        Equal(expected.Top, actual.Top);
        Assert.Equal(expected.Intervals.Count, actual.Intervals.Count);
        for (var i = 0; i < expected.Intervals.Count; i++)
        {
            var e = expected.Intervals[i];
            var a = actual.Intervals[i];
            Assert.Equal(e.Interval, a.Interval);
            Assert.Equal(e.Low, a.Low);
            Assert.Equal(e.High, a.High);
            Assert.Equal(e.ContainsFraction, a.ContainsFraction);
            Equal(e.Examples, a.Examples);
        }
        Equal(expected.Tables, actual.Tables);
        if (expected.Logits is null)
        {
            Assert.Null(actual.Logits);
            return;
        }
        Assert.NotNull(actual.Logits);
        Assert.Equal(expected.Logits.PositiveTokens, actual.Logits.PositiveTokens);
        Assert.Equal(expected.Logits.PositiveValues, actual.Logits.PositiveValues);
        Assert.Equal(expected.Logits.NegativeTokens, actual.Logits.NegativeTokens);
        Assert.Equal(expected.Logits.NegativeValues, actual.Logits.NegativeValues);
        Equal(expected.Logits.Histogram, actual.Logits.Histogram);
    }

    public static void Equal(Histogram expected, Histogram actual)
    {
        // Bit-for-bit: the centres are recomputed from the stored range, which must reproduce them exactly.
        Assert.Equal(expected.BarValues.Select(BitConverter.DoubleToInt64Bits), actual.BarValues.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(expected.BarHeights, actual.BarHeights);
    }

    private static void Equal(IReadOnlyList<ActivationExample> expected, IReadOnlyList<ActivationExample> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Window, actual[i].Window);
            Assert.Equal(expected[i].Position, actual[i].Position);
            Assert.Equal(expected[i].Value, actual[i].Value);
            Assert.Equal(expected[i].Positions, actual[i].Positions);
            Assert.Equal(expected[i].Values, actual[i].Values);
        }
    }
}
