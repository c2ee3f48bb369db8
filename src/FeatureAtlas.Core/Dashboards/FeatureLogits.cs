using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Statistics;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// Each feature's logit table, as SAEDashboard computes it: the decoder row (unit norm after folding) taken to
/// the residual stream (through W_out for MLP-neuron SAEs, W_O for hook_z SAEs), times W_U with no final layer
/// norm. Features are processed in blocks so memory stays at block × V.
/// </summary>
public static class FeatureLogits
{
    private const int Block = 128;

    /// <summary>
    /// Logit tables for all features of <paramref name="sae"/>, or null when its hook has no direct path to the
    /// residual stream (q, k, v, pattern).
    /// </summary>
    public static LogitTable[]? Compute(SparseAutoencoder sae, Gpt2Model model, DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var tables = new LogitTable[sae.DSae];
        return Visit(sae, model, 0, sae.DSae, (f, logits) => tables[f] = Table(logits, options)) ? tables : null;
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
        var positive = Extremes(logits, k, sign: 1f);
        var negative = Extremes(logits, k, sign: -1f);
        var positiveValues = new float[positive.Length];
        var negativeValues = new float[negative.Length];
        for (var i = 0; i < positive.Length; i++) positiveValues[i] = logits[positive[i]];
        for (var i = 0; i < negative.Length; i++) negativeValues[i] = logits[negative[i]];
        return new LogitTable(positive, positiveValues, negative, negativeValues, Histogram.Of(logits, options.HistogramBins));
    }

    /// <summary>
    /// Indices of the k largest values of sign·x, most extreme first, ties by lower index. One pass: after the
    /// first k, a value is compared with the current k-th only, and almost never enters.
    /// </summary>
    private static int[] Extremes(ReadOnlySpan<float> values, int k, float sign)
    {
        if (k == 0) return [];
        var best = new float[k];
        var index = new int[k];
        var count = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var value = sign * values[i];
            if (count == k && value <= best[k - 1]) continue;
            var at = count < k ? count++ : k - 1;
            while (at > 0 && value > best[at - 1])
            {
                best[at] = best[at - 1];
                index[at] = index[at - 1];
                at--;
            }
            best[at] = value;
            index[at] = i;
        }
        return index[..count];
    }
}
