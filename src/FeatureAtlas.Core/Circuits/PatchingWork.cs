using System.Numerics.Tensors;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Circuits;

/// <summary>
/// Activation patching split into cells that can be run in any slices and resumed: <see cref="Prepare"/> makes the
/// two reference runs (and, with SAEs, ranks their features by attribution); <see cref="RunCells"/> computes cells
/// [start, start + count) of <see cref="CellCount"/>; <see cref="Assemble"/> builds the result from every cell's value.
/// A cell's value depends only on the inputs, so a run stopped after any slice continues exactly.
/// <para>
/// Speed: a patched run starts at the patched layer from the corrupted run's hook_resid_pre there
/// (<see cref="ResumePoint"/>: the blocks before compute what the corrupted run computed), and cells that start at
/// the same layer run together as one batch (up to <see cref="BatchSize"/> sequences), so each weight matrix streams
/// through Sgemm once for B·T rows instead of once per T rows. Shapes: L layers, T tokens, D d_model, H heads.
/// </para>
/// </summary>
public sealed class PatchingWork
{
    /// <summary>How many SAE features are patched: the most by |attribution|.</summary>
    public const int MaxFeatures = 50;

    private readonly Gpt2Model _model;
    private readonly int[] _corrupted;
    private readonly int _target, _distractor;
    private readonly float _span;
    private readonly Cell[] _cells;                   // in result order: resid_pre, attn_out, mlp_out (each [L][T]), heads [L][H], features
    private readonly int[] _order;                    // execution order: by start layer, so batches share a start
    private readonly float[][] _residPre;             // [L][T·D] the corrupted run's hook_resid_pre
    private readonly (string Sae, int Index, float Attribution)[] _features;

    private PatchingWork(Gpt2Model model, int[] corrupted, int target, int distractor, float cleanMetric, float corruptedMetric, Cell[] cells,
        float[][] residPre, (string, int, float)[] features)
    {
        _model = model;
        _corrupted = corrupted;
        _target = target;
        _distractor = distractor;
        CleanMetric = cleanMetric;
        CorruptedMetric = corruptedMetric;
        _span = cleanMetric - corruptedMetric;
        _cells = cells;
        _residPre = residPre;
        _features = features;
        _order = Enumerable.Range(0, cells.Length).OrderBy(i => cells[i].StartLayer).ToArray();
        BatchSize = Math.Clamp(512 / corrupted.Length, 1, 32);
    }

    public float CleanMetric { get; }

    public float CorruptedMetric { get; }

    /// <summary>Patched runs in all: L·(3T + H) plus the features.</summary>
    public int CellCount => _cells.Length;

    /// <summary>The features to patch with their attribution, before any cell runs (<see cref="PatchedFeature.Patched"/> is NaN: not yet measured).</summary>
    public IReadOnlyList<PatchedFeature> FeatureEstimates => _features.Select(f => new PatchedFeature(f.Sae, f.Index, f.Attribution, float.NaN)).ToArray();

    /// <summary>Sequences per batched forward pass (rows = B·T kept near 512, where Sgemm's throughput levels off).</summary>
    public int BatchSize { get; set; }

    /// <summary>
    /// The two reference runs: the clean run's activations at every patched hook, the corrupted run's metric and
    /// residual stream, and with <paramref name="saes"/> the features to patch: every feature active at any position
    /// of either run, ranked by |attribution| (ties: SAE order, then index), the top <see cref="MaxFeatures"/> kept.
    /// </summary>
    public static PatchingWork Prepare(Gpt2Model model, ReadOnlySpan<int> clean, ReadOnlySpan<int> corrupted, int target, int distractor,
        IReadOnlyList<SparseAutoencoder>? saes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        saes ??= [];
        var c = model.Config;
        if (clean.Length != corrupted.Length)
        {
            throw new ArgumentException($"The clean prompt has {clean.Length} tokens and the corrupted prompt {corrupted.Length}; patching needs equal lengths.");
        }
        foreach (var (token, role) in new[] { (target, "target"), (distractor, "distractor") })
        {
            if ((uint)token >= (uint)c.Vocab) throw new ArgumentOutOfRangeException(role, $"The {role} token {token} is outside the vocabulary [0, {c.Vocab}).");
        }
        foreach (var sae in saes) sae.CheckFits(c);
        int t = clean.Length, layers = c.Layers, heads = c.Heads, d = c.DModel, dh = c.HeadDim, v = c.Vocab;
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var l = 0; l < layers; l++) names.UnionWith([HookNames.ResidPre(l), HookNames.AttnOut(l), HookNames.MlpOut(l), HookNames.Z(l)]);
        foreach (var sae in saes) names.Add(sae.HookName);
        var cleanRun = model.Run(clean, 1, new RunOptions { Cache = names, LogitsLastPositionOnly = true });
        var cleanMetric = Metric(cleanRun.Logits!.Data, target, distractor);

        // With SAEs the corrupted run is recorded for the backward pass that ranks features; without, a plain run.
        ActivationCache corruptedCache;
        float corruptedMetric;
        Gpt2Tape? tape = null;
        if (saes.Count > 0)
        {
            tape = model.Record(corrupted, 1, new RunOptions { Cache = names });
            corruptedCache = tape.Cache;
            corruptedMetric = Metric(tape.Logits.Data.AsSpan((t - 1) * v, v), target, distractor);
        }
        else
        {
            var run = model.Run(corrupted, 1, new RunOptions { Cache = Enumerable.Range(0, layers).Select(HookNames.ResidPre).ToArray(), LogitsLastPositionOnly = true });
            corruptedCache = run.Cache;
            corruptedMetric = Metric(run.Logits!.Data, target, distractor);
        }
        var span = cleanMetric - corruptedMetric;
        if (!(Math.Abs(span) > 1e-6f * Math.Max(1f, Math.Abs(cleanMetric))))
        {
            throw new ArgumentException($"The clean and corrupted prompts give the same metric ({cleanMetric}); there is nothing to normalise patching by.");
        }

        var cells = new List<Cell>(layers * (3 * t + heads) + MaxFeatures);
        foreach (var hook in new Func<int, string>[] { HookNames.ResidPre, HookNames.AttnOut, HookNames.MlpOut })
        {
            for (var l = 0; l < layers; l++)
            {
                var source = cleanRun.Cache[hook(l)].Data;
                for (var p = 0; p < t; p++) cells.Add(new Cell(hook(l), l, new CopyRows(source, p * d, d, d, 1)));
            }
        }
        for (var l = 0; l < layers; l++)
        {
            var source = cleanRun.Cache[HookNames.Z(l)].Data;
            for (var h = 0; h < heads; h++) cells.Add(new Cell(HookNames.Z(l), l, new CopyRows(source, h * dh, dh, d, t)));
        }

        var features = Array.Empty<(string, int, float)>();
        if (tape is not null)
        {
            var direction = new float[t * d];
            var other = new float[d];
            model.UnembeddingColumn(target, direction.AsSpan((t - 1) * d, d));
            model.UnembeddingColumn(distractor, other);
            TensorPrimitives.Subtract(direction.AsSpan((t - 1) * d, d), other, direction.AsSpan((t - 1) * d, d));
            var grads = model.Backward(tape, direction, new BackwardOptions { Gradients = saes.Select(s => s.HookName).ToHashSet(StringComparer.Ordinal) });
            var ranked = new List<(int Sae, int Index, float Score)>();
            var coefficients = new SortedDictionary<int, float[]>[saes.Count];
            for (var s = 0; s < saes.Count; s++)
            {
                var sae = saes[s];
                var g = grads[sae.HookName].Data;
                coefficients[s] = FeatureWrites.Coefficients(sae, cleanRun.Cache[sae.HookName].Data, corruptedCache[sae.HookName].Data, t);
                foreach (var (index, coefficient) in coefficients[s])
                {
                    var score = FeatureWrites.Dot(sae, index, coefficient, g, t) / span;
                    ranked.Add((s, index, (float)score));
                }
            }
            var top = ranked.OrderByDescending(r => Math.Abs(r.Score)).ThenBy(r => r.Sae).ThenBy(r => r.Index).Take(MaxFeatures).ToArray();
            features = new (string, int, float)[top.Length];
            for (var i = 0; i < top.Length; i++)
            {
                var sae = saes[top[i].Sae];
                var delta = FeatureWrites.Delta(sae, top[i].Index, coefficients[top[i].Sae][top[i].Index], t);
                HookNames.TryParse(sae.HookName, layers, out var layer, out _);
                cells.Add(new Cell(sae.HookName, Math.Min(layer, layers - 1), new AddDelta(delta)));
                features[i] = (sae.Name, top[i].Index, top[i].Score);
            }
        }
        var residPre = Enumerable.Range(0, layers).Select(l => corruptedCache[HookNames.ResidPre(l)].Data).ToArray();
        return new PatchingWork(model, corrupted.ToArray(), target, distractor, cleanMetric, corruptedMetric, cells.ToArray(), residPre, features);
    }

    /// <summary>
    /// Computes cells [<paramref name="start"/>, start + count) in execution order into <paramref name="values"/>,
    /// indexed by cell (length <see cref="CellCount"/>), reporting the cells done so far after each batch.
    /// </summary>
    public void RunCells(int start, int count, float[] values, Action<int>? done = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, _cells.Length);
        if (values.Length != _cells.Length) throw new ArgumentException($"values needs {_cells.Length} elements (one per cell), has {values.Length}.", nameof(values));
        var v = _model.Config.Vocab;
        var logits = new float[Math.Max(1, BatchSize) * v];
        var end = start + count;
        var i = start;
        while (i < end)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var layer = _cells[_order[i]].StartLayer;
            var n = 1;
            while (i + n < end && n < Math.Max(1, BatchSize) && _cells[_order[i + n]].StartLayer == layer) n++;
            var batch = _order.AsSpan(i, n).ToArray();
            var hooks = new Dictionary<string, ActivationHook>(StringComparer.Ordinal);
            foreach (var name in batch.Select(b => _cells[b].Hook).Distinct())
            {
                hooks[name] = (_, _, activations) =>
                {
                    var width = activations.Length / batch.Length;
                    for (var b = 0; b < batch.Length; b++)
                    {
                        var cell = _cells[batch[b]];
                        if (cell.Hook == name) cell.Patch.Apply(activations.Slice(b * width, width));
                    }
                };
            }
            var tokens = new int[n * _corrupted.Length];
            for (var b = 0; b < n; b++) _corrupted.CopyTo(tokens, b * _corrupted.Length);
            var options = new RunOptions
            {
                LogitsLastPositionOnly = true,
                Hooks = hooks,
                ResumeFrom = layer < 0 ? null : new ResumePoint(layer, _residPre[layer]),
            };
            _model.Run(tokens, n, options, logits.AsSpan(0, n * v));
            for (var b = 0; b < n; b++) values[batch[b]] = (Metric(logits.AsSpan(b * v, v), _target, _distractor) - CorruptedMetric) / _span;
            i += n;
            done?.Invoke(i);
        }
    }

    /// <summary>The result from every cell's value (as <see cref="RunCells"/> wrote them).</summary>
    public PatchingResult Assemble(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != _cells.Length) throw new ArgumentException($"values needs {_cells.Length} elements, has {values.Length}.", nameof(values));
        var c = _model.Config;
        int t = _corrupted.Length, layers = c.Layers, heads = c.Heads;
        float[][] Grid(int offset, int columns) => Enumerable.Range(0, layers).Select(l => values.AsSpan(offset + l * columns, columns).ToArray()).ToArray();
        var featureStart = layers * (3 * t + heads);
        return new PatchingResult(CleanMetric, CorruptedMetric, Grid(0, t), Grid(layers * t, t), Grid(2 * layers * t, t), Grid(3 * layers * t, heads))
        {
            Features = _features.Select((f, i) => new PatchedFeature(f.Sae, f.Index, f.Attribution, values[featureStart + i])).ToArray(),
        };
    }

    internal static float Metric(ReadOnlySpan<float> lastLogits, int target, int distractor) => lastLogits[target] - lastLogits[distractor];

    /// <summary>One patched run: its hook, the block it starts at (−1: from the tokens) and the edit on one sequence's activation.</summary>
    private sealed record Cell(string Hook, int StartLayer, IPatch Patch);

    private interface IPatch
    {
        void Apply(Span<float> activation);
    }

    /// <summary>Copies <c>count</c> runs of <c>length</c> values, <c>stride</c> apart from <c>offset</c>, from the clean activation.</summary>
    private sealed record CopyRows(float[] Source, int Offset, int Length, int Stride, int Count) : IPatch
    {
        public void Apply(Span<float> activation)
        {
            for (var i = 0; i < Count; i++) Source.AsSpan(Offset + i * Stride, Length).CopyTo(activation.Slice(Offset + i * Stride, Length));
        }
    }

    /// <summary>Adds a feature's clean − corrupted write [T·I].</summary>
    private sealed record AddDelta(float[] Delta) : IPatch
    {
        public void Apply(Span<float> activation) => TensorPrimitives.Add(activation, Delta, activation);
    }
}
