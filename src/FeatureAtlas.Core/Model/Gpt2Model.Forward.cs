using System.Numerics.Tensors;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Tensors;
using Tensor = FeatureAtlas.Core.Tensors.Tensor;

namespace FeatureAtlas.Core.Model;

public sealed partial class Gpt2Model
{
    /// <summary>
    /// Runs <paramref name="tokens"/> ([B·T] row-major, used exactly as given: no BOS is added here) through the
    /// model, caching and hooking what <paramref name="options"/> asks for.
    /// </summary>
    public ModelOutput Run(ReadOnlySpan<int> tokens, int batch = 1, RunOptions? options = null)
    {
        options ??= RunOptions.Default;
        var tokensPerSequence = ValidateTokens(tokens, batch);
        var plan = Plan(options);
        Tensor? logits = null;
        if (plan.Logits)
        {
            logits = options.LogitsLastPositionOnly
                ? Tensor.Zeros(batch, Config.Vocab)
                : Tensor.Zeros(batch, tokensPerSequence, Config.Vocab);
        }
        var cache = new ActivationCache();
        RunCore(tokens, batch, tokensPerSequence, options, plan, logits is null ? default : logits.Span, cache);
        return new ModelOutput(logits, cache);
    }

    /// <summary>
    /// The allocation-free form: logits go into <paramref name="logits"/> ([B, T, V], or [B, V] with
    /// <see cref="RunOptions.LogitsLastPositionOnly"/>); nothing is cached.
    /// </summary>
    public void Run(ReadOnlySpan<int> tokens, int batch, RunOptions options, Span<float> logits)
    {
        ArgumentNullException.ThrowIfNull(options);
        var tokensPerSequence = ValidateTokens(tokens, batch);
        var plan = Plan(options);
        if (plan.Logits)
        {
            long needed = (long)batch * (options.LogitsLastPositionOnly ? 1 : tokensPerSequence) * Config.Vocab;
            if (logits.Length < needed) throw new ArgumentException($"logits needs {needed} elements, has {logits.Length}.", nameof(logits));
        }
        RunCore(tokens, batch, tokensPerSequence, options, plan, logits, cache: null);
    }

    /// <summary>
    /// A key/value cache for <paramref name="batch"/> sequences of up to <paramref name="capacity"/> positions, for
    /// incremental decoding with <see cref="RunCached"/>.
    /// </summary>
    public KeyValueCache CreateKeyValueCache(int batch, int capacity)
    {
        if (capacity > Config.Positions) throw new ArgumentOutOfRangeException(nameof(capacity), $"A cache of {capacity} positions exceeds the model's n_positions = {Config.Positions}.");
        return new KeyValueCache(Config, batch, capacity);
    }

    /// <summary>
    /// Runs <paramref name="tokens"/> ([B·n] row-major: n new tokens per sequence) as the next n positions of every
    /// sequence in <paramref name="cache"/>, attending to the positions cached before, then appends their keys and
    /// values. The prompt goes in once (prefill), then one token per step. Hooks in <paramref name="options"/>
    /// see only the new positions ([B, n, …]); hook_pattern is not available here. Logits go into
    /// <paramref name="logits"/> as in <see cref="Run(ReadOnlySpan{int}, int, RunOptions, Span{float})"/>.
    /// Allocates nothing once the cache has run a call of this size.
    /// </summary>
    public void RunCached(ReadOnlySpan<int> tokens, KeyValueCache cache, RunOptions options, Span<float> logits)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(options);
        if (!ReferenceEquals(cache.Config, Config) && cache.Config != Config) throw new ArgumentException("The cache was made for another model shape.", nameof(cache));
        var batch = cache.Batch;
        var n = ValidateTokens(tokens, batch);
        if (cache.Length + n > cache.Capacity)
        {
            throw new ArgumentException($"{n} more positions do not fit: the cache holds {cache.Length} of {cache.Capacity}.", nameof(tokens));
        }
        if (options.StopAtLayer is not null) throw new ArgumentException("A cached run computes every layer; StopAtLayer is not supported.", nameof(options));
        var plan = Plan(options);
        if (plan.AnyHooks && WantsAnyPattern(options, Config.Layers)) throw new ArgumentException("hook_pattern is not available in a cached run.", nameof(options));
        plan = plan with { Layers = Config.Layers, FinalNorm = true, Logits = options.ComputeLogits };
        if (plan.Logits)
        {
            long needed = (long)batch * (options.LogitsLastPositionOnly ? 1 : n) * Config.Vocab;
            if (logits.Length < needed) throw new ArgumentException($"logits needs {needed} elements, has {logits.Length}.", nameof(logits));
        }
        RunCore(tokens, batch, n, options, plan, logits, cache: null, kv: cache);
        cache.Advance(n);
    }

    private readonly record struct RunPlan(int Layers, bool FinalNorm, bool Logits, bool AnyHooks);

    private int ValidateTokens(ReadOnlySpan<int> tokens, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        if (tokens.IsEmpty || tokens.Length % batch != 0)
        {
            throw new ArgumentException($"{tokens.Length} tokens cannot be split into {batch} equal non-empty sequences.", nameof(tokens));
        }
        var t = tokens.Length / batch;
        if (t > Config.Positions) throw new ArgumentException($"Sequences of {t} tokens exceed the model's n_positions = {Config.Positions}.", nameof(tokens));
        for (var i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)Config.Vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), $"Token id {tokens[i]} at position {i} is outside the vocabulary [0, {Config.Vocab}).");
            }
        }
        return t;
    }

    /// <summary>Decides how deep to run: logits need every block; otherwise stop after the deepest hook asked for.</summary>
    private RunPlan Plan(RunOptions options)
    {
        var anyHooks = options.Cache.Count > 0 || options.Hooks.Count > 0;
        var deepest = -1;
        if (anyHooks)
        {
            if (options.DeepestHook is { } cached && cached.Layers == Config.Layers)
            {
                deepest = cached.Deepest;
            }
            else
            {
                foreach (var name in options.Cache.Concat(options.Hooks.Keys))
                {
                    if (!HookNames.TryParse(name, Config.Layers, out var layer, out _))
                    {
                        throw new ArgumentException($"Unknown hook point '{name}' for a {Config.Layers}-layer GPT-2 (names look like blocks.0.hook_resid_pre; see HookNames.All).");
                    }
                    deepest = Math.Max(deepest, layer);
                }
                options.DeepestHook = new RunOptions.DeepestHookCache(Config.Layers, deepest);
            }
        }

        if (options.StopAtLayer is { } stop)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(stop, nameof(options.StopAtLayer));
            var layers = Math.Min(stop, Config.Layers);
            if (deepest >= layers && deepest != -1)
            {
                throw new ArgumentException($"A hook at layer {deepest} lies beyond stop_at_layer {stop}.");
            }
            return new RunPlan(layers, false, false, anyHooks);
        }
        if (options.ComputeLogits) return new RunPlan(Config.Layers, true, true, anyHooks);
        return deepest >= Config.Layers
            ? new RunPlan(Config.Layers, true, false, anyHooks)
            : new RunPlan(deepest + 1, false, false, anyHooks);
    }

    private void RunCore(ReadOnlySpan<int> tokens, int batch, int t, RunOptions options, RunPlan plan, Span<float> logits, ActivationCache? cache,
        KeyValueCache? kv = null)
    {
        var c = Config;
        int d = c.DModel, rows = batch * t, heads = c.Heads, dh = c.HeadDim;
        var wantsPattern = kv is null && plan.AnyHooks && WantsAnyPattern(options, plan.Layers);
        var patternSize = wantsPattern ? batch * heads * t * t : 0;
        var ws = kv?.Workspace(rows) ?? Interlocked.Exchange(ref _spare, null);
        if (ws is null || !ws.Fits(rows, patternSize)) ws = new Gpt2Workspace(c, rows, patternSize);
        try
        {
            Span<int> rowShape = [batch, t, d];
            Span<int> headShape = [batch, t, heads, dh];
            Span<int> mlpShape = [batch, t, c.DMlp];
            Span<int> patternShape = [batch, heads, t, t];
            var residual = ws.Residual.AsSpan(0, rows * d);
            var normalized = ws.Normalized.AsSpan(0, rows * d);
            var scratch = ws.Scratch.AsSpan(0, rows * d);

            Embed(tokens, batch, t, kv?.Length ?? 0, options, plan, cache, ws, rowShape);

            for (var l = 0; l < plan.Layers; l++)
            {
                var layer = _layers[l];
                var w = layer.Source;
                var names = _hookNames[l];
                var q = ws.Q.AsSpan(0, rows * d);
                var k = ws.K.AsSpan(0, rows * d);
                var v = ws.V.AsSpan(0, rows * d);
                var z = ws.Z.AsSpan(0, rows * d);
                var mlp = ws.Mlp.AsSpan(0, rows * c.DMlp);

                Emit(options, plan, cache, names[ResidPreKind], rowShape, residual);
                LayerNorm.Forward(residual, w.Ln1Gain, w.Ln1Bias, c.LayerNormEpsilon, d, normalized);
                Sgemm.Multiply(normalized, layer.WQ, q, rows, w.BQ);
                Sgemm.Multiply(normalized, layer.WK, k, rows, w.BK);
                Sgemm.Multiply(normalized, layer.WV, v, rows, w.BV);
                Emit(options, plan, cache, names[QKind], headShape, q);
                Emit(options, plan, cache, names[KKind], headShape, k);
                Emit(options, plan, cache, names[VKind], headShape, v);
                if (kv is not null)
                {
                    kv.Append(l, k, v, t);
                    CausalAttention.ForwardCached(q, kv.Keys(l), kv.Values(l), batch, t, kv.Length, heads, dh, kv.Stride, z);
                }
                else if (wantsPattern && Wants(options, names[PatternKind]))
                {
                    var pattern = ws.Pattern.AsSpan(0, patternSize);
                    CausalAttention.ComputePattern(q, k, batch, t, heads, dh, pattern);
                    Emit(options, plan, cache, names[PatternKind], patternShape, pattern);
                    CausalAttention.ApplyPattern(pattern, v, batch, t, heads, dh, z);
                }
                else
                {
                    CausalAttention.Forward(q, k, v, batch, t, heads, dh, z);
                }
                Emit(options, plan, cache, names[ZKind], headShape, z);
                Sgemm.Multiply(z, layer.WO, scratch, rows, w.BO);
                Emit(options, plan, cache, names[AttnOutKind], rowShape, scratch);
                TensorPrimitives.Add(residual, scratch, residual);
                Emit(options, plan, cache, names[ResidMidKind], rowShape, residual);

                LayerNorm.Forward(residual, w.Ln2Gain, w.Ln2Bias, c.LayerNormEpsilon, d, normalized);
                Sgemm.Multiply(normalized, layer.WIn, mlp, rows, w.BIn);
                Emit(options, plan, cache, names[MlpPreKind], mlpShape, mlp);
                Gelu.Forward(mlp, mlp);
                Emit(options, plan, cache, names[MlpPostKind], mlpShape, mlp);
                Sgemm.Multiply(mlp, layer.WOut, scratch, rows, w.BOut);
                Emit(options, plan, cache, names[MlpOutKind], rowShape, scratch);
                TensorPrimitives.Add(residual, scratch, residual);
                Emit(options, plan, cache, names[ResidPostKind], rowShape, residual);
            }

            if (plan.FinalNorm) Unembed(batch, t, options, plan, logits, cache, ws, rowShape);
        }
        finally
        {
            if (kv is null) _spare = ws;
        }
    }

    private void Embed(ReadOnlySpan<int> tokens, int batch, int t, int past, RunOptions options, RunPlan plan, ActivationCache? cache, Gpt2Workspace ws, ReadOnlySpan<int> rowShape)
    {
        var d = Config.DModel;
        var residual = ws.Residual.AsSpan(0, batch * t * d);
        var scratch = ws.Scratch.AsSpan(0, batch * t * d);
        for (var r = 0; r < batch * t; r++)
        {
            Weights.WE.AsSpan(tokens[r] * d, d).CopyTo(scratch.Slice(r * d, d));
            Weights.WPos.AsSpan((past + r % t) * d, d).CopyTo(residual.Slice(r * d, d));
        }
        Emit(options, plan, cache, HookNames.Embed, rowShape, scratch);
        Emit(options, plan, cache, HookNames.PosEmbed, rowShape, residual);
        TensorPrimitives.Add(residual, scratch, residual);
    }

    private void Unembed(int batch, int t, RunOptions options, RunPlan plan, Span<float> logits, ActivationCache? cache, Gpt2Workspace ws, ReadOnlySpan<int> rowShape)
    {
        var c = Config;
        int d = c.DModel, rows = batch * t;
        var residual = ws.Residual.AsSpan(0, rows * d);
        var normalized = ws.Normalized.AsSpan(0, rows * d);
        // hook_normalized is the value before γ and β, so normalise, let hooks see it, then apply the gain.
        LayerNorm.Forward(residual, [], [], c.LayerNormEpsilon, d, normalized);
        Emit(options, plan, cache, HookNames.FinalNormalized, rowShape, normalized);
        for (var r = 0; r < rows; r++)
        {
            var row = normalized.Slice(r * d, d);
            if (Weights.LnFinalGain.Length > 0) TensorPrimitives.Multiply(row, Weights.LnFinalGain, row);
            if (Weights.LnFinalBias.Length > 0) TensorPrimitives.Add(row, Weights.LnFinalBias, row);
        }
        if (!plan.Logits) return;

        if (options.LogitsLastPositionOnly)
        {
            var last = ws.Scratch.AsSpan(0, batch * d);
            for (var b = 0; b < batch; b++) normalized.Slice(((b * t) + t - 1) * d, d).CopyTo(last.Slice(b * d, d));
            Sgemm.Multiply(last, _unembed, logits, batch, Weights.BU);
        }
        else
        {
            Sgemm.Multiply(normalized, _unembed, logits, rows, Weights.BU);
        }
    }

    // Kept out of RunCore: a lambda there would allocate its closure on every call, hooks or not.
    private bool WantsAnyPattern(RunOptions options, int layers)
    {
        for (var l = 0; l < layers; l++)
        {
            if (Wants(options, _hookNames[l][PatternKind])) return true;
        }
        return false;
    }

    private static bool Wants(RunOptions options, string name) => options.Hooks.ContainsKey(name) || options.Cache.Contains(name);

    private static void Emit(RunOptions options, RunPlan plan, ActivationCache? cache, string name, ReadOnlySpan<int> shape, Span<float> values)
    {
        if (!plan.AnyHooks) return;
        if (options.Hooks.TryGetValue(name, out var hook)) hook(name, shape, values);
        if (cache is not null && options.Cache.Contains(name)) cache.Add(name, shape, values);
    }

    // Indexes into HookNames.BlockKinds.
    private const int ResidPreKind = 0, QKind = 1, KKind = 2, VKind = 3, PatternKind = 4, ZKind = 5,
        AttnOutKind = 6, ResidMidKind = 7, MlpPreKind = 8, MlpPostKind = 9, MlpOutKind = 10, ResidPostKind = 11;
}
