using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Circuits;

/// <summary>
/// Activation patching (TransformerLens patching.py, get_act_patch_*): run the corrupted prompt with one clean
/// activation patched in at a time and report the metric logit(target) − logit(distractor) at the last position,
/// normalised so the clean run is 1 and the corrupted run 0. Patched: hook_resid_pre, hook_attn_out and
/// hook_mlp_out per layer × position, each head's hook_z per layer × head at every position, and optionally the
/// top SAE features by attribution. One patched run per cell, L·(3T + H) in all plus the features, batched and
/// started at the patched layer (<see cref="PatchingWork"/>).
/// </summary>
public static class ActivationPatching
{
    public static PatchingResult Run(Gpt2Model model, ReadOnlySpan<int> clean, ReadOnlySpan<int> corrupted, int target, int distractor,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        Run(model, clean, corrupted, target, distractor, [], progress, cancellationToken);

    /// <summary>
    /// As above, plus the top <see cref="PatchingWork.MaxFeatures"/> features of <paramref name="saes"/> by
    /// attribution, each patched clean → corrupted at every position (<see cref="PatchedFeature"/>).
    /// </summary>
    public static PatchingResult Run(Gpt2Model model, ReadOnlySpan<int> clean, ReadOnlySpan<int> corrupted, int target, int distractor,
        IReadOnlyList<SparseAutoencoder> saes, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var work = PatchingWork.Prepare(model, clean, corrupted, target, distractor, saes);
        var values = new float[work.CellCount];
        work.RunCells(0, work.CellCount, values, progress is null ? null : progress.Report, cancellationToken);
        return work.Assemble(values);
    }

    /// <summary>
    /// Attribution patching (Nanda 2023; Syed et al. 2023), the fast preview: each cell of exact patching's grids
    /// estimated to first order as (clean − corrupted activation) · ∂metric/∂activation on the corrupted run, from one
    /// backward pass (<see cref="Gpt2Model.Backward"/>, nothing frozen), normalised the same way.
    /// </summary>
    public static PatchingResult Estimate(Gpt2Model model, ReadOnlySpan<int> clean, ReadOnlySpan<int> corrupted, int target, int distractor)
    {
        ArgumentNullException.ThrowIfNull(model);
        var c = model.Config;
        if (clean.Length != corrupted.Length)
        {
            throw new ArgumentException($"The clean prompt has {clean.Length} tokens and the corrupted prompt {corrupted.Length}; patching needs equal lengths.");
        }
        int t = clean.Length, layers = c.Layers, heads = c.Heads, d = c.DModel, dh = c.HeadDim, v = c.Vocab;
        var names = new List<string>();
        for (var l = 0; l < layers; l++) names.AddRange([HookNames.ResidPre(l), HookNames.AttnOut(l), HookNames.MlpOut(l), HookNames.Z(l)]);
        var cleanRun = model.Run(clean, 1, new RunOptions { Cache = names, LogitsLastPositionOnly = true });
        var cleanMetric = Metric(cleanRun.Logits!.Data, target, distractor);
        var tape = model.Record(corrupted, 1, new RunOptions { Cache = names });
        var corruptedMetric = Metric(tape.Logits.Data.AsSpan((t - 1) * v, v), target, distractor);
        var span = cleanMetric - corruptedMetric;
        if (!(Math.Abs(span) > 1e-6f * Math.Max(1f, Math.Abs(cleanMetric))))
        {
            throw new ArgumentException($"The clean and corrupted prompts give the same metric ({cleanMetric}); there is nothing to normalise patching by.");
        }
        var direction = new float[t * d];
        var other = new float[d];
        model.UnembeddingColumn(target, direction.AsSpan((t - 1) * d, d));
        model.UnembeddingColumn(distractor, other);
        System.Numerics.Tensors.TensorPrimitives.Subtract(direction.AsSpan((t - 1) * d, d), other, direction.AsSpan((t - 1) * d, d));
        var grads = model.Backward(tape, direction, new BackwardOptions { Gradients = names });

        float Cell(string name, int offset, int length, int stride, int count)
        {
            var a = cleanRun.Cache[name].Data;
            var b = tape.Cache[name].Data;
            var g = grads[name].Data;
            double sum = 0;
            for (var i = 0; i < count; i++)
            {
                var start = offset + i * stride;
                for (var j = start; j < start + length; j++) sum += (a[j] - b[j]) * (double)g[j];
            }
            return (float)(sum / span);
        }

        float[][] PerPosition(Func<int, string> hook) => Enumerable.Range(0, layers)
            .Select(l => Enumerable.Range(0, t).Select(p => Cell(hook(l), p * d, d, d, 1)).ToArray()).ToArray();
        var headGrid = Enumerable.Range(0, layers).Select(l => Enumerable.Range(0, heads).Select(h => Cell(HookNames.Z(l), h * dh, dh, d, t)).ToArray()).ToArray();
        return new PatchingResult(cleanMetric, corruptedMetric, PerPosition(HookNames.ResidPre), PerPosition(HookNames.AttnOut), PerPosition(HookNames.MlpOut), headGrid);
    }

    /// <summary>Pearson correlation of two grids' cells (exact patching vs <see cref="Estimate"/>); NaN when either is constant.</summary>
    public static double Correlation(float[][] a, float[][] b)
    {
        var x = a.SelectMany(r => r).Select(f => (double)f).ToArray();
        var y = b.SelectMany(r => r).Select(f => (double)f).ToArray();
        if (x.Length != y.Length) throw new ArgumentException($"Grids of {x.Length} and {y.Length} cells cannot be compared.");
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>Forward passes exact patching makes after its two reference runs: L·(3T + H).</summary>
    public static int Passes(Gpt2Config config, int tokens) => config.Layers * (3 * tokens + config.Heads);

    private static float Metric(ReadOnlySpan<float> lastLogits, int target, int distractor) => lastLogits[target] - lastLogits[distractor];
}

/// <summary>Raw clean and corrupted metrics and the normalised grids: [L][T] per hook kind, [L][H] for heads.</summary>
public sealed record PatchingResult(float CleanMetric, float CorruptedMetric, float[][] ResidPre, float[][] AttnOut, float[][] MlpOut, float[][] Heads)
{
    /// <summary>The SAE features patched, largest |attribution| first (empty when no SAE was given).</summary>
    public IReadOnlyList<PatchedFeature> Features { get; init; } = [];
}
