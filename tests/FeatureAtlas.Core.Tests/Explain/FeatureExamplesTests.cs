using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Explain;
using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Core.Tests.Explain;

/// <summary>The split's honesty: no window on both sides, negatives never one of the feature's example windows, 1:1 per side.</summary>
public class FeatureExamplesTests
{
    [Fact]
    public void Split_DashboardWithRepeatedWindow_KeepsSidesDisjointAndBalanced()
    {
        static ActivationExample Example(int window, float value) => new(window, 2, value, [2], [value]);
        var dashboard = new FeatureDashboard
        {
            Index = 5, FracNonzero = 0.1, NonzeroCount = 10, MaxActivation = 9, MinNonzeroActivation = 1,
            ActivationHistogram = Histogram.Empty,
            Top = [Example(10, 9), Example(11, 8), Example(12, 7), Example(13, 6)],
            Intervals = [new IntervalExamples(0, 0, 4, 0.01, [Example(12, 3), Example(14, 2), Example(15, 1)])],
        };
        var windows = Enumerable.Range(0, 40).ToDictionary(w => w, w => new[] { 50256, w, w + 1, w + 2 });
        var poolWindows = new[] { 10, 20, 21, 22, 23, 24, 25, 26, 27, 28 };   // 10 is an example window: never a negative
        var pool = NegativePool.AssumedZero(poolWindows, poolWindows.Select(w => windows[w]).ToArray(), features: 8);

        var split = FeatureExamples.Split(dashboard, windows, pool, seed: 1);

        var trainWindows = split.Train.Select(r => r.Window).ToHashSet();
        Assert.DoesNotContain(split.Test, r => trainWindows.Contains(r.Window));
        Assert.Equal([10, 12, 14], split.Train.Where(r => r.Kind != ExampleKind.Random).Select(r => r.Window));   // ranks 0, 2 of top; interval 12 skipped
        Assert.Equal([11, 13, 15], split.Test.Where(r => r.Kind != ExampleKind.Random).Select(r => r.Window));
        Assert.Equal(3, split.Train.Count(r => r.Kind == ExampleKind.Random));
        Assert.Equal(3, split.Test.Count(r => r.Kind == ExampleKind.Random));
        Assert.DoesNotContain(split.Train.Concat(split.Test), r => r.Kind == ExampleKind.Random && r.Window == 10);
        Assert.Equal(split.Test.Select(r => r.Window), FeatureExamples.Split(dashboard, windows, pool, seed: 1).Test.Select(r => r.Window));
        Assert.Equal(new float[] { 0, 0, 9, 0 }, split.Train[0].Activations);
    }
}
