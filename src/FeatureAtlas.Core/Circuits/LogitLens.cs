using System.Numerics.Tensors;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Core.Circuits;

/// <summary>One token of a lens readout: its id and probability.</summary>
public readonly record struct LensToken(int TokenId, float Prob);

/// <summary>One layer's readout: <see cref="Top"/>[t] holds the top N tokens at position t, most likely first.</summary>
public sealed record LensLayer(int Layer, LensToken[][] Top);

/// <summary>
/// The logit lens (nostalgebraist 2020; TransformerLens accumulated_resid + apply_ln): each layer's
/// hook_resid_post read out through ln_final (its own scale at each position, γ and β) and W_U + b_U, as if the
/// model ended there. The last layer's readout is the model's own next-token distribution.
/// </summary>
public static class LogitLens
{
    /// <summary>The largest N a caller may ask for.</summary>
    public const int MaxTop = 100;

    /// <summary>Top <paramref name="top"/> tokens and probabilities per layer × position of <paramref name="tokens"/> (used as given).</summary>
    public static IReadOnlyList<LensLayer> Run(Gpt2Model model, ReadOnlySpan<int> tokens, int top = 5)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(top, MaxTop);
        var c = model.Config;
        var names = Enumerable.Range(0, c.Layers).Select(HookNames.ResidPost).ToArray();
        var cache = model.Run(tokens, 1, RunOptions.CacheOnly(names)).Cache;
        int t = tokens.Length, d = c.DModel, v = c.Vocab;
        var normalized = new float[t * d];
        var logits = new float[t * v];
        var layers = new List<LensLayer>(c.Layers);
        for (var l = 0; l < c.Layers; l++)
        {
            LayerNorm.Forward(cache[names[l]].Data, model.Weights.LnFinalGain, model.Weights.LnFinalBias, c.LayerNormEpsilon, d, normalized);
            model.MultiplyByUnembedding(normalized, t, logits);
            var rows = new LensToken[t][];
            for (var p = 0; p < t; p++)
            {
                var row = logits.AsSpan(p * v, v);
                TensorPrimitives.Add(row, model.Weights.BU, row);
                Softmax.Row(row, row);
                rows[p] = Top(row, top);
            }
            layers.Add(new LensLayer(l, rows));
        }
        return layers;
    }

    /// <summary>The <paramref name="n"/> largest entries, largest first; among equal values the lower id first.</summary>
    internal static LensToken[] Top(ReadOnlySpan<float> probs, int n)
    {
        n = Math.Min(n, probs.Length);
        var best = new LensToken[n];
        var count = 0;
        for (var i = 0; i < probs.Length; i++)
        {
            var p = probs[i];
            if (count == n && !(p > best[n - 1].Prob)) continue;
            var j = count < n ? count++ : n - 1;
            while (j > 0 && p > best[j - 1].Prob)
            {
                best[j] = best[j - 1];
                j--;
            }
            best[j] = new LensToken(i, p);
        }
        return best;
    }
}
