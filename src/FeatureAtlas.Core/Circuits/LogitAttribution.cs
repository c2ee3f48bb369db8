using System.Numerics.Tensors;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Steering;

namespace FeatureAtlas.Core.Circuits;

/// <summary>
/// "Why this token and not that one" (Transformer Debugger's direct and estimated total effects; TransformerLens's
/// get_full_resid_decomposition + logit_attrs). The metric is logit(target) − logit(distractor) (or logit(target)
/// alone) at one position, by default the last.
/// <para>
/// Direct effect, with ln_final's scale σ frozen at its value on this prompt: a vector c written into the final
/// residual at that position contributes ((c − mean c)/σ)·(γ ⊙ (W_U[:, target] − W_U[:, distractor])).
/// Components (TransformerLens's names): embed, pos_embed, L{l}H{h} (z_h·W_O[h]), {l}_mlp_out, bias (Σ_l b_O) and
/// ln_final_bias (β·u plus the b_U difference); they sum to the logit difference.
/// </para>
/// <para>
/// Estimated total effect (act × grad): activation · ∂metric/∂activation from the full backward pass, summed over
/// every position for components; at the chosen position for SAE features (scale·c_i·W_dec[i], see
/// <see cref="SparseAutoencoder.EncodeRow"/>) and each SAE's error term x − x̂. A feature's direct effect reads
/// its write through the residual (hook_z via W_O, mlp.hook_post via W_out); SAEs on q, k, v, mlp.hook_pre or a
/// layer norm's output have no direct path and report null.
/// </para>
/// <para>
/// Exact total effect: for the <c>exactTop</c> heads, MLPs and features with the largest |act × grad|, the metric
/// minus the metric with that node zero-ablated (a head's hook_z at every position, an MLP's hook_mlp_out at every
/// position, a feature's write at the chosen position with the SAE error term kept): one forward pass each. These
/// passes take most of the time, so <c>beforeExact</c>, when given, receives everything else first.
/// </para>
/// </summary>
public static class LogitAttribution
{
    /// <summary>The default number of nodes whose exact total effect is measured by ablation.</summary>
    public const int DefaultExactTop = 20;

    public static LogitAttributionResult Explain(Gpt2Model model, IReadOnlyList<SparseAutoencoder> saes, ReadOnlySpan<int> tokens, int target,
        int? distractor = null, int? position = null, int exactTop = DefaultExactTop, Action<LogitAttributionResult>? beforeExact = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(exactTop);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(saes);
        var c = model.Config;
        int t = tokens.Length, d = c.DModel, heads = c.Heads, layers = c.Layers, dh = c.HeadDim;
        if ((uint)target >= (uint)c.Vocab) throw new ArgumentOutOfRangeException(nameof(target), $"Target token {target} is outside the vocabulary [0, {c.Vocab}).");
        if (distractor is { } dd && (uint)dd >= (uint)c.Vocab) throw new ArgumentOutOfRangeException(nameof(distractor), $"Distractor token {dd} is outside the vocabulary [0, {c.Vocab}).");
        var p = position ?? t - 1;
        if ((uint)p >= (uint)t) throw new ArgumentOutOfRangeException(nameof(position), $"Position {p} is outside the prompt's {t} tokens.");
        foreach (var sae in saes) Pipelines.InferenceSession.CheckFits(sae, c);

        // The model is causal: positions after p change nothing at p, so only the prefix runs, and only p's logits.
        var prefix = tokens[..(p + 1)].ToArray();
        var cached = new HashSet<string>(StringComparer.Ordinal) { HookNames.Embed, HookNames.PosEmbed };
        for (var l = 0; l < layers; l++) cached.Add(HookNames.MlpOut(l));
        foreach (var sae in saes) cached.Add(sae.HookName);
        var tape = model.Record(prefix, 1, new RunOptions { Cache = cached, LogitsLastPositionOnly = true });

        // u = W_U[:, target] − W_U[:, distractor]; the metric's gradient at ln_final's output is u at row p.
        var u = new float[d];
        model.UnembeddingColumn(target, u);
        var deltaBias = model.Weights.BU[target];
        if (distractor is { } other)
        {
            var column = new float[d];
            model.UnembeddingColumn(other, column);
            TensorPrimitives.Subtract(u, column, u);
            deltaBias -= model.Weights.BU[other];
        }
        var logits = tape.Logits.Data.AsSpan(0, c.Vocab);
        var logitDiff = logits[target] - (distractor is { } o ? logits[o] : 0f);

        var rows = p + 1;
        var outputGradient = new float[rows * d];
        u.CopyTo(outputGradient.AsSpan(p * d, d));
        var wantGrads = new HashSet<string>(StringComparer.Ordinal) { HookNames.Embed, HookNames.PosEmbed };
        for (var l = 0; l < layers; l++) wantGrads.UnionWith([HookNames.AttnOut(l), HookNames.Z(l), HookNames.MlpOut(l)]);
        foreach (var sae in saes) wantGrads.Add(sae.HookName);
        var grads = model.Backward(tape, outputGradient, new BackwardOptions { Gradients = wantGrads });

        var readout = Readout.Create(model, tape.Cache[HookNames.ResidPost(layers - 1)].Data.AsSpan(p * d, d), u);
        var components = new List<AttributionComponent>
        {
            Component("embed", tape.Cache[HookNames.Embed].Data, grads[HookNames.Embed].Data, p, d, readout),
            Component("pos_embed", tape.Cache[HookNames.PosEmbed].Data, grads[HookNames.PosEmbed].Data, p, d, readout),
        };
        var bias = new float[d];
        double biasTotal = 0;
        var headReadout = new float[d];                            // [H, Dh]: W_O[h]·r, a head's z read straight out
        for (var l = 0; l < layers; l++)
        {
            var z = tape.Cache[HookNames.Z(l)].Data;                // [T, H, Dh]
            var gradZ = grads[HookNames.Z(l)].Data;                 // [T, H, Dh]
            var gradAttn = grads[HookNames.AttnOut(l)].Data;       // [T, D]
            var pattern = tape.Cache[HookNames.Pattern(l)].Data;   // [H, T, T]
            var values = tape.Cache[HookNames.V(l)].Data;          // [T, H, Dh]
            var wO = model.Weights.Layers[l].WO;                   // [H·Dh, D]
            for (var i = 0; i < d; i++) headReadout[i] = readout.Of(wO.AsSpan(i * d, d));
            for (var h = 0; h < heads; h++)
            {
                var w = headReadout.AsSpan(h * dh, dh);
                // act × grad of head h's result z_h·W_O[h] at every position is z_h · ∂m/∂z_h, without forming the result.
                double total = 0;
                for (var q = 0; q < rows; q++) total += TensorPrimitives.Dot(z.AsSpan(q * d + h * dh, dh), gradZ.AsSpan(q * d + h * dh, dh));
                var bySource = new float[t];
                for (var s = 0; s <= p; s++) bySource[s] = pattern[(h * rows + p) * rows + s] * TensorPrimitives.Dot(values.AsSpan(s * d + h * dh, dh), w);
                components.Add(new AttributionComponent($"L{l}H{h}", TensorPrimitives.Dot(z.AsSpan(p * d + h * dh, dh), w), (float)total) { BySource = bySource });
            }
            components.Add(Component($"{l}_mlp_out", tape.Cache[HookNames.MlpOut(l)].Data, grads[HookNames.MlpOut(l)].Data, p, d, readout));
            var bO = model.Weights.Layers[l].BO;
            TensorPrimitives.Add(bias, bO, bias);
            for (var q = 0; q < rows; q++) biasTotal += TensorPrimitives.Dot(bO, gradAttn.AsSpan(q * d, d));
        }
        components.Add(new AttributionComponent("bias", readout.Of(bias), (float)biasTotal));
        var beta = model.Weights.LnFinalBias.Length > 0 ? TensorPrimitives.Dot(model.Weights.LnFinalBias, u) : 0f;
        components.Add(new AttributionComponent("ln_final_bias", beta + deltaBias, beta + deltaBias));

        var features = new List<FeatureAttribution>();
        var errors = new List<SaeErrorAttribution>();
        var writes = new List<float[]>();
        foreach (var sae in saes) AttributeSae(model, sae, tape, grads, p, readout, features, errors, writes);
        if (exactTop > 0)
        {
            // The estimates are ready long before the ablations (a fifth of the time at 64 tokens): show them first.
            beforeExact?.Invoke(new LogitAttributionResult(logitDiff, p, target, distractor, components.ToArray(), features.ToArray(), errors.ToArray()));
            MeasureExact(model, saes, tape, prefix, u, deltaBias, p, logitDiff, exactTop, components, features, writes);
        }
        return new LogitAttributionResult(logitDiff, p, target, distractor, components, features, errors);
    }

    /// <summary>
    /// Zero-ablates the <paramref name="count"/> heads, MLPs and features of largest |act × grad| and records metric −
    /// ablated metric. Speed: only the prefix up to the position runs; the ablations of one layer run as one batch
    /// that starts at that layer from the clean run's hook_resid_pre (the blocks before it are unchanged), which at
    /// GPT-2 small's 12 layers halves the work on average; and the metric is read from the final residual at the
    /// position (ln_final, then · u plus the b_U difference) instead of unembedding every position.
    /// </summary>
    private static void MeasureExact(Gpt2Model model, IReadOnlyList<SparseAutoencoder> saes, Gpt2Tape tape, int[] prefix, float[] u, float deltaBias, int p, float clean,
        int count, List<AttributionComponent> components, List<FeatureAttribution> features, List<float[]> writes)
    {
        var c = model.Config;
        int d = c.DModel, dh = c.HeadDim, t = prefix.Length;
        var nodes = components.Select((x, i) => (Index: i, IsFeature: false, Score: Math.Abs(x.ActTimesGrad)))
            .Where(n => IsNode(components[n.Index].Name))
            .Concat(features.Select((x, i) => (Index: i, IsFeature: true, Score: Math.Abs(x.ActTimesGrad))))
            .OrderByDescending(n => n.Score).Take(count).ToList();
        if (nodes.Count == 0) return;
        var edits = new List<(string Hook, int Layer, Action<Span<float>> Edit)>(nodes.Count);
        foreach (var node in nodes)
        {
            if (node.IsFeature)
            {
                var feature = features[node.Index];
                var write = writes[node.Index];
                var width = write.Length;
                var hook = saes.First(s => s.Name == feature.Sae).HookName;
                // A hook inside block l can start there; one on the embeddings needs the whole pass (−1).
                var start = HookNames.TryParse(hook, c.Layers, out var at, out _) && at >= 0 ? Math.Min(at, c.Layers - 1) : -1;
                edits.Add((hook, start, values => TensorPrimitives.Subtract(values.Slice(p * width, width), write, values.Slice(p * width, width))));
                continue;
            }
            var name = components[node.Index].Name;
            if (name.EndsWith("_mlp_out", StringComparison.Ordinal))
            {
                var mlp = int.Parse(name.AsSpan(0, name.IndexOf('_')), System.Globalization.CultureInfo.InvariantCulture);
                edits.Add((HookNames.MlpOut(mlp), mlp, values => values.Clear()));
                continue;
            }
            var split = name.IndexOf('H');
            var layer = int.Parse(name.AsSpan(1, split - 1), System.Globalization.CultureInfo.InvariantCulture);
            var head = int.Parse(name.AsSpan(split + 1), System.Globalization.CultureInfo.InvariantCulture);
            edits.Add((HookNames.Z(layer), layer, values =>
            {
                for (var q = 0; q < t; q++) values.Slice(q * d + head * dh, dh).Clear();
            }));
        }

        var last = HookNames.ResidPost(c.Layers - 1);
        var normalized = new float[d];
        foreach (var group in Enumerable.Range(0, edits.Count).GroupBy(i => edits[i].Layer))
        {
            var members = group.ToArray();
            var batch = members.Length;
            var hooks = new Dictionary<string, ActivationHook>(StringComparer.Ordinal);
            foreach (var hook in members.Select(m => edits[m].Hook).Distinct())
            {
                hooks[hook] = (_, _, values) =>
                {
                    var each = values.Length / batch;
                    for (var b = 0; b < batch; b++)
                    {
                        if (edits[members[b]].Hook == hook) edits[members[b]].Edit(values.Slice(b * each, each));
                    }
                };
            }
            var tokens = new int[batch * t];
            for (var b = 0; b < batch; b++) prefix.CopyTo(tokens, b * t);
            var resume = group.Key >= 0 ? new ResumePoint(group.Key, tape.Cache[HookNames.ResidPre(group.Key)].Data) : null;
            var final = model.Run(tokens, batch, new RunOptions { Hooks = hooks, Cache = [last], ComputeLogits = false, ResumeFrom = resume }).Cache[last].Data;
            for (var b = 0; b < batch; b++)
            {
                LayerNorm.Forward(final.AsSpan((b * t + p) * d, d), model.Weights.LnFinalGain, model.Weights.LnFinalBias, c.LayerNormEpsilon, d, normalized);
                var ablated = TensorPrimitives.Dot(normalized, u) + deltaBias;
                var node = nodes[members[b]];
                if (node.IsFeature) features[node.Index] = features[node.Index] with { Exact = clean - ablated };
                else components[node.Index] = components[node.Index] with { Exact = clean - ablated };
            }
        }
    }

    private static bool IsNode(string component) => component.EndsWith("_mlp_out", StringComparison.Ordinal) || (component.StartsWith('L') && component.Contains('H', StringComparison.Ordinal));

    private static AttributionComponent Component(string name, float[] activation, float[] gradient, int p, int d, Readout readout) =>
        new(name, readout.Of(activation.AsSpan(p * d, d)), TensorPrimitives.Dot(activation, gradient));

    private static void AttributeSae(Gpt2Model model, SparseAutoencoder sae, Gpt2Tape tape, Hooks.ActivationCache grads, int p, Readout readout,
        List<FeatureAttribution> features, List<SaeErrorAttribution> errors, List<float[]> writes)
    {
        var n = sae.DIn;
        var x = tape.Cache[sae.HookName].Data.AsSpan(p * n, n);
        var g = grads[sae.HookName].Data.AsSpan(p * n, n);
        HookNames.TryParse(sae.HookName, model.Config.Layers, out var layer, out var kind);
        float[]? toResidual = kind switch
        {
            "hook_resid_pre" or "hook_resid_mid" or "hook_resid_post" or "hook_attn_out" or "hook_mlp_out" or HookNames.Embed or HookNames.PosEmbed => [],
            "attn.hook_z" => model.Weights.Layers[layer].WO,
            "mlp.hook_post" => model.Weights.Layers[layer].WOut,
            _ => null,
        };
        float? Direct(ReadOnlySpan<float> write)
        {
            if (toResidual is null) return null;
            if (toResidual.Length == 0) return readout.Of(write);
            var d = model.Config.DModel;
            var resid = new float[d];
            for (var i = 0; i < write.Length; i++)
            {
                if (write[i] != 0f) TensorPrimitives.MultiplyAdd(toResidual.AsSpan(i * d, d), write[i], resid, resid);
            }
            return readout.Of(resid);
        }

        var f = new float[sae.DSae];
        var scale = sae.EncodeRow(x, f);
        var reconstruction = new float[n];
        for (var i = 0; i < f.Length; i++)
        {
            if (!(f[i] > 0f)) continue;
            var write = new float[n];
            sae.AddWrite(i, f[i], scale, write);
            writes.Add(write);
            features.Add(new FeatureAttribution(sae.Name, i, FeatureDirections.FoldedActivation(sae, i, f[i]), Direct(write), TensorPrimitives.Dot(g, write)));
        }
        sae.Reconstruct(x, 1, f, reconstruction);
        var error = new float[n];
        TensorPrimitives.Subtract(x, reconstruction, error);
        errors.Add(new SaeErrorAttribution(sae.Name, Direct(error), TensorPrimitives.Dot(g, error)));
    }

    /// <summary>
    /// c ↦ ((c − mean c)/σ)·(γ ⊙ u) at the chosen position: the direct effect of a write into the final residual. It is
    /// linear, c·r with r = (γ ⊙ u − mean(γ ⊙ u))/σ, so a head's effect can be read from its z through W_O[h]·r.
    /// </summary>
    private sealed class Readout
    {
        private readonly float[] _r;

        private Readout(float[] r) => _r = r;

        public static Readout Create(Gpt2Model model, ReadOnlySpan<float> finalResidual, float[] u)
        {
            var d = finalResidual.Length;
            var mean = TensorPrimitives.Sum(finalResidual) / d;
            double variance = 0;
            foreach (var x in finalResidual) variance += (x - mean) * (double)(x - mean);
            var sigma = (float)Math.Sqrt(variance / d + model.Config.LayerNormEpsilon);
            var r = u.ToArray();
            if (model.Weights.LnFinalGain.Length > 0) TensorPrimitives.Multiply(r, model.Weights.LnFinalGain, r);
            TensorPrimitives.Subtract(r, TensorPrimitives.Sum(r) / d, r);
            TensorPrimitives.Multiply(r, 1f / sigma, r);
            return new Readout(r);
        }

        public float Of(ReadOnlySpan<float> c) => TensorPrimitives.Dot(c, _r);
    }
}

/// <summary>
/// One residual-stream component: its direct effect at the position, its activation × gradient over all positions and,
/// for the nodes measured, the exact total effect of zero-ablating it (else null).
/// </summary>
public sealed record AttributionComponent(string Name, float Direct, float ActTimesGrad, float? Exact = null)
{
    /// <summary>For a head, its direct effect split by source position [T] (zero after the position); null for other components.</summary>
    public float[]? BySource { get; init; }
}

/// <summary>An active SAE feature at the position: activation in folded units, direct effect (null without a direct path), act × grad, exact effect when measured.</summary>
public sealed record FeatureAttribution(string Sae, int Index, float Activation, float? Direct, float ActTimesGrad, float? Exact = null);

/// <summary>An SAE's error term x − x̂ at the position, read out like a feature.</summary>
public sealed record SaeErrorAttribution(string Sae, float? Direct, float ActTimesGrad);

/// <summary>What <see cref="LogitAttribution.Explain"/> found; <see cref="ComponentSum"/> equals <see cref="LogitDiff"/> up to float rounding.</summary>
public sealed record LogitAttributionResult(float LogitDiff, int Position, int Target, int? Distractor, IReadOnlyList<AttributionComponent> Components,
    IReadOnlyList<FeatureAttribution> Features, IReadOnlyList<SaeErrorAttribution> SaeErrors)
{
    public float ComponentSum => (float)Components.Sum(c => (double)c.Direct);
}
