using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Steering;

namespace FeatureAtlas.Core.Circuits;

/// <summary>
/// Feature ablation and clamping on a prompt (Transformer Debugger's "ablate"): chosen SAE features are set to zero or
/// to a value at chosen positions, with the SAE's error term kept: at the SAE's hook, h ↦ h + Σ (c'_i − c_i)·w_i,
/// where c_i is the feature's activation on the h that arrives (earlier edits included) and w_i its write per unit
/// (<see cref="SparseAutoencoder.AddWrite"/>), so h − x̂(h) is untouched. Values are in folded units (the dashboards'
/// activations, as steering strengths are). Reports the next-token distribution at one position (default the last)
/// before → after, its KL divergence, and logit(target) − logit(distractor) before and after when a target is given.
/// Two forward passes in all.
/// </summary>
public static class FeatureAblation
{
    /// <summary>The most feature edits one call may make.</summary>
    public const int MaxEdits = 64;

    public static AblationResult Run(Gpt2Model model, IReadOnlyList<SparseAutoencoder> saes, ReadOnlySpan<int> tokens, IReadOnlyList<FeatureEdit> edits,
        int? target = null, int? distractor = null, int? position = null, int top = 10)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(saes);
        ArgumentNullException.ThrowIfNull(edits);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(top, LogitLens.MaxTop);
        var c = model.Config;
        int t = tokens.Length, v = c.Vocab;
        if (edits.Count == 0) throw new ArgumentException("Give at least one feature to ablate or clamp.", nameof(edits));
        if (edits.Count > MaxEdits) throw new ArgumentException($"{edits.Count} feature edits were given; at most {MaxEdits} are allowed.", nameof(edits));
        if (target is { } tt && (uint)tt >= (uint)v) throw new ArgumentOutOfRangeException(nameof(target), $"Target token {tt} is outside the vocabulary [0, {v}).");
        if (distractor is { } dd && (uint)dd >= (uint)v) throw new ArgumentOutOfRangeException(nameof(distractor), $"Distractor token {dd} is outside the vocabulary [0, {v}).");
        if (distractor is not null && target is null) throw new ArgumentException("A distractor needs a target.", nameof(distractor));
        var p = position ?? t - 1;
        if ((uint)p >= (uint)t) throw new ArgumentOutOfRangeException(nameof(position), $"Position {p} is outside the prompt's {t} tokens.");

        var bySae = saes.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var plans = new List<(SparseAutoencoder Sae, FeatureEdit Edit)>();
        foreach (var edit in edits)
        {
            if (!bySae.TryGetValue(edit.Sae, out var sae)) throw new KeyNotFoundException($"SAE '{edit.Sae}' is not loaded for this model.");
            sae.CheckFits(c);
            if ((uint)edit.Index >= (uint)sae.DSae)
            {
                throw new ArgumentOutOfRangeException(nameof(edits), $"Feature {edit.Index} does not exist in SAE '{sae.Name}', which has {sae.DSae} features (0..{sae.DSae - 1}).");
            }
            if (edit.Value is { } value && !float.IsFinite(value)) throw new ArgumentException($"The value for {sae.Name} #{edit.Index} must be a finite number, not {value}.", nameof(edits));
            foreach (var q in edit.Positions ?? [])
            {
                if ((uint)q >= (uint)t) throw new ArgumentOutOfRangeException(nameof(edits), $"Position {q} for {sae.Name} #{edit.Index} is outside the prompt's {t} tokens (0..{t - 1}).");
            }
            plans.Add((sae, edit));
        }

        var before = new float[t * v];
        model.Run(tokens, 1, RunOptions.Default, before);
        var found = new List<AblatedFeature>();
        var hooks = new Dictionary<string, ActivationHook>(StringComparer.Ordinal);
        foreach (var group in plans.GroupBy(x => x.Sae.HookName, StringComparer.Ordinal))
        {
            var onHook = group.ToList();
            hooks[group.Key] = (_, _, values) => Edit(onHook, t, values, found);
        }
        var after = new float[t * v];
        model.Run(tokens, 1, new RunOptions { Hooks = hooks }, after);

        var rowBefore = before.AsSpan(p * v, v).ToArray();
        var rowAfter = after.AsSpan(p * v, v).ToArray();
        float? Metric(ReadOnlySpan<float> row) => target is { } a ? row[a] - (distractor is { } b ? row[b] : 0f) : null;
        var metricBefore = Metric(rowBefore);
        var metricAfter = Metric(rowAfter);
        Softmax.Row(rowBefore, rowBefore);
        Softmax.Row(rowAfter, rowAfter);
        double kl = 0;
        for (var i = 0; i < v; i++)
        {
            if (rowBefore[i] > 0f) kl += rowBefore[i] * (Math.Log(rowBefore[i]) - Math.Log(Math.Max(rowAfter[i], float.Epsilon)));
        }
        var topBefore = LogitLens.Top(rowBefore, top).Select(x => new TokenChange(x.TokenId, x.Prob, rowAfter[x.TokenId])).ToArray();
        var topAfter = LogitLens.Top(rowAfter, top).Select(x => new TokenChange(x.TokenId, rowBefore[x.TokenId], x.Prob)).ToArray();
        var targetChange = target is { } id ? new TokenChange(id, rowBefore[id], rowAfter[id]) : (TokenChange?)null;
        return new AblationResult(p, topBefore, topAfter, targetChange, metricBefore, metricAfter, kl, found);
    }

    /// <summary>At one hook: every edit's activation read on the values as they arrive, then all deltas added (error term kept).</summary>
    private static void Edit(List<(SparseAutoencoder Sae, FeatureEdit Edit)> edits, int t, Span<float> values, List<AblatedFeature> found)
    {
        var width = values.Length / t;
        var original = values.ToArray();
        var delta = new float[values.Length];
        foreach (var group in edits.GroupBy(e => e.Sae))
        {
            var sae = group.Key;
            var features = new float[sae.DSae];
            for (var q = 0; q < t; q++)
            {
                var mine = group.Where(e => e.Edit.Positions is null || e.Edit.Positions.Contains(q)).ToList();
                if (mine.Count == 0) continue;
                var scale = sae.EncodeRow(original.AsSpan(q * width, width), features);
                foreach (var (_, edit) in mine)
                {
                    var raw = features[edit.Index];
                    var folded = FeatureDirections.FoldedActivation(sae, edit.Index, raw);
                    var set = edit.Value ?? 0f;
                    // The raw activation whose folded value is `set`: folded = raw·‖W_dec[i]‖ except for rescaled TopK.
                    var perRaw = FeatureDirections.FoldedActivation(sae, edit.Index, 1f);
                    var newRaw = set / perRaw;
                    if (newRaw != raw) sae.AddWrite(edit.Index, newRaw - raw, scale, delta.AsSpan(q * width, width));
                    found.Add(new AblatedFeature(sae.Name, edit.Index, q, folded, set));
                }
            }
        }
        System.Numerics.Tensors.TensorPrimitives.Add(values, delta, values);
    }
}

/// <summary>
/// One edit: feature <paramref name="Index"/> of SAE <paramref name="Sae"/> (by session name) set to
/// <paramref name="Value"/> (folded units; null is zero, an ablation) at <paramref name="Positions"/> (null: every position).
/// </summary>
public sealed record FeatureEdit(string Sae, int Index, float? Value = null, IReadOnlyList<int>? Positions = null)
{
    /// <summary>
    /// <c>SAE:INDEX[:VALUE][@P,Q,…]</c>, e.g. <c>blocks.8.hook_resid_pre:1234</c> (zero it everywhere) or
    /// <c>hookz-1:7:2.5@3,4</c>; anything else is an <see cref="ArgumentException"/> quoting <paramref name="spec"/>.
    /// </summary>
    public static FeatureEdit Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var at = spec.IndexOf('@', StringComparison.Ordinal);
        var parts = (at >= 0 ? spec[..at] : spec).Split(':');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, inv, out var index))
        {
            throw new ArgumentException($"Feature '{spec}' is not SAE:INDEX[:VALUE][@P,Q,...], e.g. hookz-1:7:2.5@3,4.");
        }
        float? value = null;
        if (parts.Length == 3)
        {
            if (!float.TryParse(parts[2], System.Globalization.NumberStyles.Float, inv, out var v) || !float.IsFinite(v)) throw new ArgumentException($"Feature '{spec}': the value '{parts[2]}' is not a finite number.");
            value = v;
        }
        int[]? positions = null;
        if (at >= 0)
        {
            var list = spec[(at + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            positions = new int[list.Length];
            for (var i = 0; i < list.Length; i++)
            {
                if (!int.TryParse(list[i], System.Globalization.NumberStyles.None, inv, out positions[i])) throw new ArgumentException($"Feature '{spec}': the position '{list[i]}' is not a whole number.");
            }
            if (positions.Length == 0) throw new ArgumentException($"Feature '{spec}': give positions after @, or leave out the @ for every position.");
        }
        return new FeatureEdit(parts[0], index, value, positions);
    }
}

/// <summary>A token's probability before and after the edits.</summary>
public readonly record struct TokenChange(int TokenId, float Before, float After);

/// <summary>An edited feature at one position: its activation as found in the edited run (folded units) and the value it was set to.</summary>
public readonly record struct AblatedFeature(string Sae, int Index, int Position, float Found, float Set);

/// <summary>
/// What <see cref="FeatureAblation.Run"/> found at <paramref name="Position"/>: the top tokens before (with their
/// probabilities after) and after (with before), the target's change, the metric before and after (null without a
/// target), KL(before ‖ after) in nats, and every edit as applied.
/// </summary>
public sealed record AblationResult(int Position, IReadOnlyList<TokenChange> TopBefore, IReadOnlyList<TokenChange> TopAfter, TokenChange? Target,
    float? MetricBefore, float? MetricAfter, double Kl, IReadOnlyList<AblatedFeature> Features)
{
    public float? MetricChange => MetricAfter - MetricBefore;
}
