using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// Streaming sums for SAEDashboard's correlation tables (docs/dashboards.md, "Feature tables"), fed by the same
/// pass as <see cref="FeatureAccumulator"/>: over the non-BOS positions, Σf and Σf² per feature (S), Σx and Σx²
/// per input dimension (D), Σ f·x per (feature, dimension) and Σ fᵢ·fⱼ per feature pair. Memory is fixed by the
/// SAE, whatever the corpus: S·D doubles (151 MB at 24,576 × 768) and, when S ≤
/// <see cref="DashboardOptions.FeatureCorrelationsMaxFeatures"/>, S(S−1)/2 floats (1.2 GB at 24,576).
/// Only non-zero activations do work (features are sparse): per position, L0·D multiply-adds and L0²/2 pair
/// updates, against S·D for the encode; at L0 = 64 and S = 24,576 that is 0.3% and 0.01% of the encode's FLOPs.
/// Each sum is added to in position order, so a resumed run fed the remaining windows in the same order stores
/// the same bits; batching does not matter.
/// </summary>
public sealed partial class CorrelationAccumulator
{
    private readonly double[] _featureSum;       // [S]
    private readonly double[] _featureSquares;   // [S]
    private readonly double[] _neuronSum;        // [D]
    private readonly double[] _neuronSquares;    // [D]
    private readonly double[] _cross;            // [S, D] Σ f·x
    private readonly float[]? _pairs;            // [S(S−1)/2] Σ fᵢ·fⱼ, i < j, row-major strict upper triangle
    private readonly int _bosTokenId;

    public CorrelationAccumulator(int features, int inputs, DashboardOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Features = features;
        Inputs = inputs;
        _bosTokenId = options.BosTokenId;
        _featureSum = new double[features];
        _featureSquares = new double[features];
        _neuronSum = new double[inputs];
        _neuronSquares = new double[inputs];
        _cross = new double[(long)features * inputs];
        if (features <= options.FeatureCorrelationsMaxFeatures) _pairs = new float[(long)features * (features - 1) / 2];
    }

    public int Features { get; }

    /// <summary>The SAE's input width: the "neurons" of the correlated-neurons table.</summary>
    public int Inputs { get; }

    /// <summary>Positions counted (BOS positions are left out).</summary>
    public long Positions { get; private set; }

    /// <summary>False when the SAE is wider than the options allow for pair sums: correlated features stay empty.</summary>
    public bool HasFeatureCorrelations => _pairs is not null;

    /// <summary>
    /// Adds <paramref name="rows"/> positions: <paramref name="activations"/> [rows, S] (folded), <paramref name="inputs"/>
    /// [rows, D] (the SAE's input at its hook) and each position's token; BOS positions are skipped.
    /// </summary>
    public void Add(ReadOnlySpan<float> activations, ReadOnlySpan<float> inputs, ReadOnlySpan<int> tokens, int rows)
    {
        var s = Features;
        var d = Inputs;
        if (activations.Length < (long)rows * s) throw new ArgumentException($"activations needs [{rows}, {s}].", nameof(activations));
        if (inputs.Length < (long)rows * d) throw new ArgumentException($"inputs needs [{rows}, {d}].", nameof(inputs));
        if (tokens.Length < rows) throw new ArgumentException($"tokens needs {rows} entries.", nameof(tokens));

        // Active entries row by row (features ascending), then regrouped by feature (rows ascending).
        var rowStart = new int[rows + 1];
        var entries = new List<(int Feature, float Value)>(rows * 64);
        var kept = new List<int>(rows);
        for (var r = 0; r < rows; r++)
        {
            rowStart[r] = entries.Count;
            if (tokens[r] == _bosTokenId) continue;
            kept.Add(r);
            Scan(activations.Slice(r * s, s), entries);
        }
        rowStart[rows] = entries.Count;

        var x = new double[(long)rows * d];
        foreach (var r in kept)
        {
            var row = inputs.Slice(r * d, d);
            var wide = x.AsSpan(r * d, d);
            for (var k = 0; k < d; k++) wide[k] = row[k];
            for (var k = 0; k < d; k++)
            {
                _neuronSum[k] += wide[k];
                _neuronSquares[k] += wide[k] * wide[k];
            }
        }
        Positions += kept.Count;

        var featureStart = new int[s + 1];
        foreach (var e in entries) featureStart[e.Feature + 1]++;
        for (var f = 0; f < s; f++) featureStart[f + 1] += featureStart[f];
        var fill = featureStart[..^1].ToArray();
        var byFeature = new (int Row, int Entry)[entries.Count];
        for (var r = 0; r < rows; r++)
        {
            for (var e = rowStart[r]; e < rowStart[r + 1]; e++) byFeature[fill[entries[e].Feature]++] = (r, e);
        }

        var entryArray = entries.ToArray();
        const int chunk = 64;
        Parallel.For(0, (s + chunk - 1) / chunk, c =>
        {
            var end = Math.Min(s, (c + 1) * chunk);
            for (var f = c * chunk; f < end; f++)
            {
                var cross = _cross.AsSpan((int)((long)f * d), d);
                var pairBase = _pairs is null ? 0 : PairOffset(f, s);
                for (var k = featureStart[f]; k < featureStart[f + 1]; k++)
                {
                    var (r, e) = byFeature[k];
                    var v = entryArray[e].Value;
                    _featureSum[f] += v;
                    _featureSquares[f] += (double)v * v;
                    TensorPrimitives.MultiplyAdd(x.AsSpan(r * d, d), v, cross, cross);
                    if (_pairs is null) continue;
                    // The row's later active features are its entries after this one (features ascending).
                    for (var j = e + 1; j < rowStart[r + 1]; j++)
                    {
                        var (other, value) = entryArray[j];
                        _pairs[pairBase + other - f - 1] += v * value;
                    }
                }
            }
        });
    }

    /// <summary>Index of pair (f, f + 1) in the strict upper triangle of an S × S matrix, row-major.</summary>
    private static long PairOffset(int f, int s) => (long)f * s - (long)f * (f + 1) / 2;

    /// <summary>Appends the row's positive activations, features ascending; most are zero, so 8 or 16 are tested at a time.</summary>
    private static void Scan(ReadOnlySpan<float> row, List<(int, float)> entries)
    {
        var f = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; f + 16 <= row.Length; f += 16)
            {
                var mask = Vector512.GreaterThan(Vector512.Create(row.Slice(f, 16)), Vector512<float>.Zero).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    var lane = BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                    entries.Add((f + lane, row[f + lane]));
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; f + 8 <= row.Length; f += 8)
            {
                var mask = Vector256.GreaterThan(Vector256.Create(row.Slice(f, 8)), Vector256<float>.Zero).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    var lane = BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                    entries.Add((f + lane, row[f + lane]));
                }
            }
        }
        for (; f < row.Length; f++)
        {
            if (row[f] > 0f) entries.Add((f, row[f]));
        }
    }
}
