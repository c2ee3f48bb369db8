using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Explain;

/// <summary>
/// A feature's examples split for honest scoring: explain on <see cref="Train"/>, score on <see cref="Test"/>,
/// no window in both. Top examples alternate train/test by rank (as OAI interleaves its top records), interval
/// examples likewise in order; random pool windows (never one of the feature's example windows) go 1:1 with the
/// activating windows of each side.
/// </summary>
public sealed record FeatureExamples(int Feature, IReadOnlyList<ActivationRecord> Train, IReadOnlyList<ActivationRecord> Test)
{
    public static FeatureExamples Split(FeatureDashboard dashboard, IReadOnlyDictionary<int, int[]> windows, NegativePool negatives, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(dashboard);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(negatives);
        var train = new List<ActivationRecord>();
        var test = new List<ActivationRecord>();
        var seen = new HashSet<int>();

        void Add(IEnumerable<ActivationExample> examples, ExampleKind kind)
        {
            var rank = 0;
            foreach (var e in examples)
            {
                if (!seen.Add(e.Window)) continue;   // a window in both lists would leak from train into test
                if (!windows.TryGetValue(e.Window, out var tokens)) throw new KeyNotFoundException($"Feature {dashboard.Index}: corpus window {e.Window} was not loaded.");
                (rank++ % 2 == 0 ? train : test).Add(new ActivationRecord(e.Window, kind, tokens, e.Dense(tokens.Length)));
            }
        }
        Add(dashboard.Top, ExampleKind.Top);
        Add(dashboard.Intervals.SelectMany(g => g.Examples), ExampleKind.Interval);

        var (trainActivating, testActivating) = (train.Count, test.Count);
        var stream = CounterRandom.Stream(seed, $"negatives/{dashboard.Index}");
        var order = Enumerable.Range(0, negatives.Count)
            .Where(slot => !seen.Contains(negatives.Windows[slot]))
            .OrderBy(slot => CounterRandom.Uniform(stream, (ulong)negatives.Windows[slot])).ThenBy(slot => slot)
            .ToArray();
        for (var i = 0; i < order.Length; i++)
        {
            var side = i % 2 == 0 ? test : train;
            if (side.Count(r => r.Kind == ExampleKind.Random) >= (i % 2 == 0 ? testActivating : trainActivating)) continue;
            var slot = order[i];
            side.Add(new ActivationRecord(negatives.Windows[slot], ExampleKind.Random, negatives.Tokens[slot], negatives.Activations(dashboard.Index, slot)));
        }
        return new FeatureExamples(dashboard.Index, train, test);
    }
}
