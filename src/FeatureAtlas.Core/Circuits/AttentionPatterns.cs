using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Circuits;

/// <summary>
/// Attention patterns per layer and head (TransformerLens attn.hook_pattern: softmax over source positions, causal),
/// and SAEDashboard's direct feature attribution (DFA) for SAEs on attn.hook_z: how much each source position's value
/// vector, weighted by attention, contributes to a feature's encoder pre-activation at a destination position.
/// Shapes: L layers, H heads, T tokens, Dh head dim, S d_sae.
/// </summary>
public static class AttentionPatterns
{
    /// <summary>The pattern of every layer: [L][H][T (destination)][T (source)], each row summing to 1 over sources ≤ destination.</summary>
    public static float[][][][] Run(Gpt2Model model, ReadOnlySpan<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        var c = model.Config;
        var names = Enumerable.Range(0, c.Layers).Select(HookNames.Pattern).ToArray();
        var cache = model.Run(tokens, 1, RunOptions.CacheOnly(names)).Cache;
        var t = tokens.Length;
        return names.Select(name =>
        {
            var data = cache[name].Data;        // [1, H, T, T]
            return Enumerable.Range(0, c.Heads).Select(h => Enumerable.Range(0, t).Select(q => data.AsSpan((h * t + q) * t, t).ToArray()).ToArray()).ToArray();
        }).ToArray();
    }

    /// <summary>
    /// DFA of feature <paramref name="feature"/> of a hook_z SAE: at the destination <paramref name="position"/> (by
    /// default the position where the feature is largest, first of ties) the contribution of each source s,
    /// Σ_h pattern[h, position, s] · (v[s, h] · W_enc[h·Dh .. (h+1)·Dh, feature]); the values sum to z[position] ·
    /// W_enc[:, feature], the input-dependent part of the pre-activation. As SAEDashboard computes it, the readout is
    /// W_enc itself: an SAE that normalises its input (normalize_activations) is read without that scaling.
    /// </summary>
    public static DirectFeatureAttribution Dfa(Gpt2Model model, SparseAutoencoder sae, ReadOnlySpan<int> tokens, int feature, int? position = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        var c = model.Config;
        sae.CheckFits(c);
        if (!HookNames.TryParse(sae.HookName, c.Layers, out var layer, out var kind) || kind != "attn.hook_z")
        {
            throw new ArgumentException($"Direct feature attribution needs an SAE on attn.hook_z; '{sae.Name}' reads {sae.HookName}.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(feature);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(feature, sae.DSae);
        int t = tokens.Length, heads = c.Heads, dh = c.HeadDim, d = c.DModel, s = sae.DSae;
        var cache = model.Run(tokens, 1, RunOptions.CacheOnly(HookNames.Pattern(layer), HookNames.V(layer), HookNames.Z(layer))).Cache;
        var activations = new float[t];
        sae.EncodeFeature(cache[HookNames.Z(layer)].Data, t, feature, activations);
        var target = position ?? Array.IndexOf(activations, activations.Max());
        if ((uint)target >= (uint)t) throw new ArgumentOutOfRangeException(nameof(position), $"Position {target} is outside the prompt's {t} tokens.");

        var pattern = cache[HookNames.Pattern(layer)].Data;   // [1, H, T, T]
        var v = cache[HookNames.V(layer)].Data;               // [1, T, H, Dh]
        var wEnc = sae.Parameters.WEnc;                       // [H·Dh, S]
        var readout = new float[d];
        for (var k = 0; k < d; k++) readout[k] = wEnc[(long)k * s + feature];
        var values = new float[t];
        for (var source = 0; source <= target; source++)
        {
            double sum = 0;
            for (var h = 0; h < heads; h++)
            {
                var write = System.Numerics.Tensors.TensorPrimitives.Dot(v.AsSpan(source * d + h * dh, dh), readout.AsSpan(h * dh, dh));
                sum += pattern[(h * t + target) * t + source] * (double)write;
            }
            values[source] = (float)sum;
        }
        return new DirectFeatureAttribution(target, activations[target], values);
    }
}
