using System.Text.Json;
using FeatureAtlas.Core.Dashboards;

namespace FeatureAtlas.Core.Tests.Dashboards;

/// <summary>
/// The accumulator's promises that make the pipeline resumable and parallel: results depend only on the set
/// of windows, not on batching, order or a checkpoint in between.
/// </summary>
public class FeatureAccumulatorTests
{
    private const int Windows = 40, Length = 16, Features = 300;
    private static readonly DashboardOptions Options = new() { TopExamples = 6, Intervals = 4, ExamplesPerInterval = 3, Seed = 99, HistogramBins = 12 };

    [Fact]
    public void Add_AnyBatchingAndOrder_GivesIdenticalDashboards()
    {
        var (acts, tokens) = SyntheticActivations(seed: 1);
        var whole = new FeatureAccumulator(Features, Options);
        AddWindows(whole, acts, tokens, Enumerable.Range(0, Windows).ToArray());

        var shuffled = new FeatureAccumulator(Features, Options);
        var order = Enumerable.Range(0, Windows).OrderBy(w => (w * 7919) % 41).ToArray();
        foreach (var batch in order.Chunk(7)) AddWindows(shuffled, acts, tokens, batch);

        Assert.Equal(Serialize(whole), Serialize(shuffled));
    }

    [Fact]
    public void Checkpoint_WrittenMidwayAndRestored_GivesTheUninterruptedResult()
    {
        var (acts, tokens) = SyntheticActivations(seed: 2);
        var uninterrupted = new FeatureAccumulator(Features, Options);
        AddWindows(uninterrupted, acts, tokens, Enumerable.Range(0, Windows).ToArray());

        var first = new FeatureAccumulator(Features, Options);
        AddWindows(first, acts, tokens, Enumerable.Range(0, 17).ToArray());
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) first.Write(writer);
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var resumed = FeatureAccumulator.Read(reader, Options);
        AddWindows(resumed, acts, tokens, Enumerable.Range(17, Windows - 17).ToArray());

        Assert.Equal(Serialize(uninterrupted), Serialize(resumed));
    }

    [Fact]
    public void Merge_ShardsOfTheWindows_EqualsOneAccumulatorOverAll()
    {
        var (acts, tokens) = SyntheticActivations(seed: 4);
        var whole = new FeatureAccumulator(Features, Options);
        AddWindows(whole, acts, tokens, Enumerable.Range(0, Windows).ToArray());

        // Uneven shards merged out of order: a shard with small values only meets one whose T is far larger.
        int[][] shards = [Enumerable.Range(0, 3).ToArray(), Enumerable.Range(3, 20).ToArray(), Enumerable.Range(23, Windows - 23).ToArray()];
        var merged = new FeatureAccumulator(Features, Options);
        foreach (var shard in shards.Reverse())
        {
            var part = new FeatureAccumulator(Features, Options);
            foreach (var batch in shard.Chunk(4)) AddWindows(part, acts, tokens, batch);
            merged.Merge(RoundTrip(part));
        }

        Assert.Equal(Serialize(whole), Serialize(merged));
        Assert.Equal(Bytes(whole), Bytes(merged));   // the whole state, samples and histograms included, byte for byte
    }

    [Fact]
    public void Merge_DifferentOptions_IsAnError()
    {
        var other = new FeatureAccumulator(Features, Options with { Seed = 1 });
        Assert.Throws<ArgumentException>(() => new FeatureAccumulator(Features, Options).Merge(other));
    }

    private static FeatureAccumulator RoundTrip(FeatureAccumulator accumulator)
    {
        using var stream = new MemoryStream(Bytes(accumulator));
        using var reader = new BinaryReader(stream);
        return FeatureAccumulator.Read(reader, Options);
    }

    private static byte[] Bytes(FeatureAccumulator accumulator)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) accumulator.Write(writer);
        return stream.ToArray();
    }

    [Fact]
    public void Build_CountsMaxTopAndBosMasking_MatchTheDefinitions()
    {
        var (acts, tokens) = SyntheticActivations(seed: 3);
        var accumulator = new FeatureAccumulator(Features, Options);
        AddWindows(accumulator, acts, tokens, Enumerable.Range(0, Windows).ToArray());
        var dashboards = accumulator.Build();

        for (var f = 0; f < Features; f++)
        {
            var items = new List<(float Value, int Window, int Position)>();
            for (var w = 0; w < Windows; w++)
            {
                for (var t = 0; t < Length; t++)
                {
                    var a = acts[(w * Length + t) * Features + f];
                    if (a > 0 && tokens[w * Length + t] != 50256) items.Add((a, w, t));
                }
            }
            var dashboard = dashboards[f];
            Assert.Equal(items.Count, dashboard.NonzeroCount);
            Assert.Equal((double)items.Count / (Windows * Length), dashboard.FracNonzero);
            var expectedTop = items.OrderByDescending(i => i.Value).ThenBy(i => i.Window).ThenBy(i => i.Position).Take(Options.TopExamples).ToList();
            Assert.Equal(expectedTop.Select(i => (i.Window, i.Position, i.Value)), dashboard.Top.Select(e => (e.Window, e.Position, e.Value)));
            foreach (var example in dashboard.Top.Concat(dashboard.Intervals.SelectMany(g => g.Examples)))
            {
                // The stored window activations are the feature's column over the window, BOS zeroed.
                var dense = example.Dense(Length);
                for (var t = 0; t < Length; t++)
                {
                    var raw = acts[(example.Window * Length + t) * Features + f];
                    Assert.Equal(tokens[example.Window * Length + t] == 50256 ? 0f : raw, dense[t]);
                }
            }
            Assert.Equal(items.Count, dashboard.ActivationHistogram.BarHeights.Sum());
        }
    }

    private static void AddWindows(FeatureAccumulator accumulator, float[] acts, int[] tokens, int[] windows)
    {
        var batchActs = new float[windows.Length * Length * Features];
        var batchTokens = new int[windows.Length * Length];
        for (var i = 0; i < windows.Length; i++)
        {
            acts.AsSpan(windows[i] * Length * Features, Length * Features).CopyTo(batchActs.AsSpan(i * Length * Features));
            tokens.AsSpan(windows[i] * Length, Length).CopyTo(batchTokens.AsSpan(i * Length));
        }
        accumulator.Add(batchActs, batchTokens, windows, Length);
    }

    /// <summary>Sparse positive activations with a heavy tail (so T doubles during the run) and BOS tokens.</summary>
    private static (float[] Acts, int[] Tokens) SyntheticActivations(int seed)
    {
        var random = new Random(seed);
        var acts = new float[Windows * Length * Features];
        for (var i = 0; i < acts.Length; i++)
        {
            if (random.NextDouble() < 0.08) acts[i] = (float)Math.Pow(random.NextDouble(), 3) * (float)Math.Exp(random.NextDouble() * 4);
        }
        // Exact ties exercise the (window, position) tie-break.
        acts[5 * Length * Features + 3] = acts[9 * Length * Features + 3] = 50f;
        var tokens = Enumerable.Range(0, Windows * Length).Select(i => i % Length == 0 || i % 37 == 0 ? 50256 : 1000 + i % 500).ToArray();
        return (acts, tokens);
    }

    private static string Serialize(FeatureAccumulator accumulator) =>
        JsonSerializer.Serialize(new { features = accumulator.Build(), density = accumulator.DensitySummary(), accumulator.TotalTokens, accumulator.Windows },
            WithFields);

    private static readonly JsonSerializerOptions WithFields = new() { IncludeFields = true };
}
