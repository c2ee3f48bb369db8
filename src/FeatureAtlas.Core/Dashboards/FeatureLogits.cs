using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Statistics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// Each feature's logit table, as SAEDashboard computes it: the decoder row (unit norm after folding) taken to
/// the residual stream (through W_out for MLP-neuron SAEs, W_O for hook_z SAEs), times W_U with no final layer
/// norm. Features are processed in blocks so memory stays at block × V.
/// </summary>
public static class FeatureLogits
{
    /// <summary>
    /// Features per block. A block's logits do not depend on which range the block was computed in, so ranges cut at
    /// multiples of it (a sharded build's pieces) give tables bit for bit equal to one pass over all features.
    /// </summary>
    public const int Block = 128;

    /// <summary>
    /// Logit tables for all features of <paramref name="sae"/>, or null when its hook has no direct path to the
    /// residual stream (q, k, v, pattern).
    /// </summary>
    public static LogitTable[]? Compute(SparseAutoencoder sae, Gpt2Model model, DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(sae);
        return Compute(sae, model, options, 0, sae.DSae);
    }

    /// <summary>The logit tables of features [first, first + count) of <paramref name="sae"/>, in order, or null as above.</summary>
    public static LogitTable[]? Compute(SparseAutoencoder sae, Gpt2Model model, DashboardOptions options, int first, int count)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var tables = new LogitTable[count];
        return Visit(sae, model, first, count, (f, logits) => tables[f - first] = Table(logits, options)) ? tables : null;
    }

    /// <summary>
    /// Calls <paramref name="visit"/> with the logit vector [V] of each feature in [first, first + count), in parallel
    /// within each block; false (and no call) when the SAE's hook has no direct path to the residual stream.
    /// </summary>
    public static bool Visit(SparseAutoencoder sae, Gpt2Model model, int first, int count, LogitRowVisitor visit)
    {
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(visit);
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)first + count, sae.DSae);
        var c = model.Config;
        HookNames.TryParse(sae.HookName, c.Layers, out var layer, out var kind);
        float[]? toResidual = kind switch
        {
            "mlp.hook_pre" or "mlp.hook_post" => model.Weights.Layers[layer].WOut,     // [F, D]
            "attn.hook_z" => model.Weights.Layers[layer].WO,                            // [H·Dh, D]
            "attn.hook_q" or "attn.hook_k" or "attn.hook_v" or "attn.hook_pattern" => null,
            _ => [],
        };
        if (toResidual is null) return false;

        int d = c.DModel, v = c.Vocab, dIn = sae.DIn;
        var directions = new float[Block * d];
        var logits = new float[(long)Block * v];
        for (var f0 = first; f0 < first + count; f0 += Block)
        {
            var rows = Math.Min(Block, first + count - f0);
            var decoder = sae.Parameters.WDec.AsSpan(f0 * dIn, rows * dIn);
            if (toResidual.Length == 0) decoder.CopyTo(directions);
            else Sgemm.Multiply(decoder, toResidual, directions, rows, dIn, d);
            model.MultiplyByUnembedding(directions.AsSpan(0, rows * d), rows, logits);
            Parallel.For(0, rows, r => visit(f0 + r, logits.AsSpan(r * v, v)));
        }
        return true;
    }

    private static LogitTable Table(ReadOnlySpan<float> logits, DashboardOptions options)
    {
        var k = Math.Min(options.Logits, logits.Length);
        var (positive, negative, sawNaN) = Extremes(logits, k);
        var positiveValues = new float[positive.Length];
        var negativeValues = new float[negative.Length];
        for (var i = 0; i < positive.Length; i++) positiveValues[i] = logits[positive[i]];
        for (var i = 0; i < negative.Length; i++) negativeValues[i] = logits[negative[i]];
        // The extremes are the row's max and min, so the histogram needs no pass of its own to find them.
        var histogram = k > 0 && !sawNaN
            ? Histogram.Of(logits, negativeValues[0], positiveValues[0], options.HistogramBins)
            : Histogram.Of(logits, options.HistogramBins);
        return new LogitTable(positive, positiveValues, negative, negativeValues, histogram);
    }

    /// <summary>
    /// Indices of the k largest values (largest first) and of the k smallest (smallest first), ties by lower index, in
    /// one pass; <c>SawNaN</c> says whether a NaN was seen (NaNs never enter either list). After the first k values, a
    /// value enters a list only if it beats that list's k-th, so eight values at a time are compared with both k-ths and
    /// almost every group is passed over without a look at its values.
    /// </summary>
    internal static (int[] Largest, int[] Smallest, bool SawNaN) Extremes(ReadOnlySpan<float> values, int k)
    {
        if (k == 0)
        {
            foreach (var value in values) if (float.IsNaN(value)) return ([], [], true);
            return ([], [], false);
        }
        var high = new TopK(k);
        var low = new TopK(k);
        var i = 0;
        var nan = false;
        for (; i < values.Length && !(high.Full && low.Full); i++) Offer(values[i], i);
        if (Vector256.IsHardwareAccelerated)
        {
            ref var first = ref MemoryMarshal.GetReference(values);
            var seenNaN = Vector256<float>.Zero;
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref first, (nuint)i);
                seenNaN |= ~Vector256.Equals(v, v);
                var enters = Vector256.GreaterThan(v, Vector256.Create(high.Kth)) | Vector256.LessThan(v, Vector256.Create(-low.Kth));
                if (enters == Vector256<float>.Zero) continue;
                for (var j = 0; j < Vector256<float>.Count; j++) Offer(values[i + j], i + j);
            }
            nan |= seenNaN != Vector256<float>.Zero;
        }
        for (; i < values.Length; i++) Offer(values[i], i);
        return (high.Indices(), low.Indices(), nan);

        void Offer(float value, int index)
        {
            if (float.IsNaN(value)) { nan = true; return; }
            high.Offer(value, index);
            low.Offer(-value, index);
        }
    }

    /// <summary>The k largest values offered and their indices; a value equal to the k-th does not enter (ties to the earlier offer).</summary>
    private sealed class TopK(int k)
    {
        private readonly float[] _values = new float[k];
        private readonly int[] _indices = new int[k];
        private int _count;

        public bool Full => _count == k;

        /// <summary>The k-th largest so far; only a full list is compared with it.</summary>
        public float Kth => _values[k - 1];

        public void Offer(float value, int index)
        {
            if (_count == k && value <= _values[k - 1]) return;
            var at = _count < k ? _count++ : k - 1;
            while (at > 0 && value > _values[at - 1])
            {
                _values[at] = _values[at - 1];
                _indices[at] = _indices[at - 1];
                at--;
            }
            _values[at] = value;
            _indices[at] = index;
        }

        public int[] Indices() => _indices[.._count];
    }
}
