using System.Buffers;
using System.Runtime.Intrinsics;
using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// Streaming per-feature state for one SAE's dashboards, bounded by O(features × examples) whatever the corpus
/// size, and independent of the order windows arrive in (so batches may be processed on any thread and a
/// resumed run equals an uninterrupted one). Per feature it keeps:
/// <list type="bullet">
/// <item>count, max and min of the non-zero activations;</item>
/// <item>the top-k (window, position) activations;</item>
/// <item>a 256-bin histogram over (0, T], T the smallest power of two ≥ the running max: when the max passes T,
/// adjacent bins merge pairwise, which is exact, so the final bins depend only on the final max;</item>
/// <item>for interval sampling, 20 strata over the same (0, T] (merging the same way), each keeping the s
/// activations with the smallest <see cref="SamplingKey"/>. An interval's sample is then the s smallest-key
/// candidates inside it: exactly a uniform sample without replacement wherever strata lie inside the interval,
/// and restricted to each stratum's own s candidates in the two strata an interval boundary cuts.</item>
/// </list>
/// Every example keeps the feature's non-zero activations over its whole window, read when it is admitted.
/// </summary>
public sealed partial class FeatureAccumulator
{
    /// <summary>Histogram resolution over (0, T]; counts land at most T/512 ≤ max/256 from their true bar.</summary>
    public const int FineBins = 256;

    /// <summary>Interval-sampling strata over (0, T]: each of 5 intervals of (0, max] spans 2 to 4 of them.</summary>
    public const int SampleStrata = 20;

    private readonly DashboardOptions _options;
    private readonly FeatureState?[] _states;

    public FeatureAccumulator(int features, DashboardOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _states = new FeatureState?[features];
    }

    public int Features => _states.Length;

    /// <summary>Token positions seen, BOS included (the denominator of frac_nonzero).</summary>
    public long TotalTokens { get; private set; }

    public int Windows { get; private set; }

    /// <summary>
    /// Adds a batch of windows: <paramref name="activations"/> [windows·length, features] row-major (rows at
    /// BOS tokens are zeroed here), <paramref name="tokens"/> [windows·length], and each window's corpus index.
    /// </summary>
    public void Add(float[] activations, ReadOnlySpan<int> tokens, ReadOnlySpan<int> windowIndexes, int length)
    {
        var rows = windowIndexes.Length * length;
        if (tokens.Length != rows) throw new ArgumentException($"tokens has {tokens.Length} entries, expected {windowIndexes.Length} windows × {length}.", nameof(tokens));
        if (activations.Length < (long)rows * Features) throw new ArgumentException($"activations needs [{rows}, {Features}].", nameof(activations));
        if (length > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(length), "Windows longer than 65535 tokens are not supported.");

        for (var r = 0; r < rows; r++)
        {
            if (tokens[r] == _options.BosTokenId) activations.AsSpan(r * Features, Features).Clear();
        }

        var batch = new Batch(activations, windowIndexes.ToArray(), length);
        const int chunk = 256;
        Parallel.For(0, (Features + chunk - 1) / chunk, c => AddChunk(batch, c * chunk, Math.Min(Features, (c + 1) * chunk)));
        TotalTokens += rows;
        Windows += windowIndexes.Length;
    }

    private sealed record Batch(float[] Activations, int[] WindowIndexes, int Length);

    /// <summary>
    /// Features [first, end) over the batch, window by window: one scan gathers each feature's non-zero
    /// activations over the window (positions ascending), then each is offered to its feature with the whole
    /// window vector at hand, so admitting an example never reads a strided column (that cost ~10% of a
    /// GPT-2-small pass with a 24,576-feature SAE).
    /// </summary>
    private void AddChunk(Batch batch, int first, int end)
    {
        var width = end - first;
        // Pooled: fresh 128 KB arrays per chunk and batch would pile up on the large-object heap (+1.6 GB peak).
        var positions = ArrayPool<int>.Shared.Rent(width * batch.Length);
        var values = ArrayPool<float>.Shared.Rent(width * batch.Length);
        var counts = ArrayPool<int>.Shared.Rent(width);
        try
        {
            Array.Clear(counts, 0, width);
            var touched = new List<int>(width);
            for (var w = 0; w < batch.WindowIndexes.Length; w++)
            {
                Gather(batch, w, first, end, positions, values, counts, touched);
                var window = batch.WindowIndexes[w];
                foreach (var local in touched)
                {
                    var offset = local * batch.Length;
                    var count = counts[local];
                    WindowActivations? vector = null;
                    for (var k = 0; k < count; k++)
                    {
                        Update(window, positions[offset + k], first + local, values[offset + k], positions.AsSpan(offset, count), values.AsSpan(offset, count), ref vector);
                    }
                    counts[local] = 0;
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(positions);
            ArrayPool<float>.Shared.Return(values);
            ArrayPool<int>.Shared.Return(counts);
        }
    }

    /// <summary>
    /// Scans window <paramref name="w"/> of the batch once and collects, per feature in [first, end), its non-zero
    /// activations (positions ascending) into slots of <paramref name="positions"/>/<paramref name="values"/>;
    /// <paramref name="touched"/> lists the features that fired.
    /// </summary>
    private void Gather(Batch batch, int w, int first, int end, int[] positions, float[] values, int[] counts, List<int> touched)
    {
        var features = Features;
        var acts = batch.Activations;
        var length = batch.Length;
        touched.Clear();
        for (var t = 0; t < length; t++)
        {
            var row = (w * length + t) * features;
            var f = first;
            if (Vector512.IsHardwareAccelerated)
            {
                // Most activations are zero: test 16 at a time and visit only the set lanes.
                for (; f + 16 <= end; f += 16)
                {
                    var mask = Vector512.GreaterThan(Vector512.Create(acts.AsSpan(row + f, 16)), Vector512<float>.Zero).ExtractMostSignificantBits();
                    while (mask != 0)
                    {
                        var lane = System.Numerics.BitOperations.TrailingZeroCount(mask);
                        mask &= mask - 1;
                        Add(f + lane - first, t, acts[row + f + lane]);
                    }
                }
            }
            for (; f < end; f++)
            {
                if (acts[row + f] > 0f) Add(f - first, t, acts[row + f]);
            }
        }

        void Add(int local, int position, float value)
        {
            var count = counts[local];
            if (count == 0) touched.Add(local);
            positions[local * length + count] = position;
            values[local * length + count] = value;
            counts[local] = count + 1;
        }
    }

    private void Update(int window, int position, int feature, float value, ReadOnlySpan<int> windowPositions, ReadOnlySpan<float> windowValues, ref WindowActivations? vector)
    {
        var state = _states[feature] ??= new FeatureState(_options);
        state.Observe(value);
        if (state.AdmitsTop(value, window, position))
        {
            vector ??= new WindowActivations(windowPositions.ToArray(), windowValues.ToArray());
            state.InsertTop(new Entry(value, window, position, 0, vector));
        }
        if (_options.Intervals > 0 && _options.ExamplesPerInterval > 0)
        {
            var key = SamplingKey.Of(_options.Seed, feature, window, position);
            var stratum = state.Stratum(value);
            if (state.AdmitsSample(stratum, key))
            {
                vector ??= new WindowActivations(windowPositions.ToArray(), windowValues.ToArray());
                state.InsertSample(stratum, new Entry(value, window, position, key, vector));
            }
        }
    }
}
