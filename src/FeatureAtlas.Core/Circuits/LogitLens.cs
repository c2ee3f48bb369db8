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
/// model ended there. The last layer's readout is the model's own next-token distribution. With a
/// <see cref="TunedLens"/>, each layer's residual first goes through its translator (the tuned lens).
/// Speed: every layer × position row is read out in one pass over W_U (<see cref="LensReadout"/>).
/// </summary>
public static class LogitLens
{
    /// <summary>The largest N a caller may ask for.</summary>
    public const int MaxTop = 100;

    /// <summary>
    /// Top <paramref name="top"/> tokens and probabilities per layer × position of <paramref name="tokens"/> (used as
    /// given), through <paramref name="tuned"/>'s translators when given (the tuned lens), else the logit lens.
    /// </summary>
    public static IReadOnlyList<LensLayer> Run(Gpt2Model model, ReadOnlySpan<int> tokens, int top = 5, TunedLens? tuned = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(top, MaxTop);
        var c = model.Config;
        if (tuned is not null && (tuned.Layers != c.Layers || tuned.DModel != c.DModel))
        {
            throw new ArgumentException($"The tuned lens was fitted for {tuned.Layers} layers of d_model {tuned.DModel}; the model has {c.Layers} of {c.DModel}.", nameof(tuned));
        }
        var names = Enumerable.Range(0, c.Layers).Select(HookNames.ResidPost).ToArray();
        var cache = model.Run(tokens, 1, RunOptions.CacheOnly(names)).Cache;
        int t = tokens.Length, d = c.DModel, rows = c.Layers * t;
        var normalized = new float[rows * d];
        var translated = new float[tuned is null ? 0 : t * d];
        var centred = new float[translated.Length];
        for (var l = 0; l < c.Layers; l++)
        {
            ReadOnlySpan<float> residual = cache[names[l]].Data;
            if (tuned is not null)
            {
                tuned.Translate(l, residual, t, centred, translated);
                residual = translated;
            }
            LayerNorm.Forward(residual, model.Weights.LnFinalGain, model.Weights.LnFinalBias, c.LayerNormEpsilon, d, normalized.AsSpan(l * t * d, t * d));
        }
        var tops = LensReadout.Top(model, normalized, rows, top);
        return Enumerable.Range(0, c.Layers).Select(l => new LensLayer(l, tops[(l * t)..((l + 1) * t)])).ToArray();
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
