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
    public ModelOutput Run(ReadOnlySpan<int> tokens, int batch = 1, RunOptions? options = null) => Run(tokens, batch, options, logitsBuffer: null);

    /// <summary>As <see cref="Run(ReadOnlySpan{int}, int, RunOptions?)"/>, the logits written into <paramref name="logitsBuffer"/> when given (exactly their size).</summary>
    private ModelOutput Run(ReadOnlySpan<int> tokens, int batch, RunOptions? options, float[]? logitsBuffer)
    {
        options ??= RunOptions.Default;
        var tokensPerSequence = ValidateTokens(tokens, batch);
        var plan = Plan(options);
        Tensor? logits = null;
        if (plan.Logits)
        {
            int[] shape = options.LogitsLastPositionOnly ? [batch, Config.Vocab] : [batch, tokensPerSequence, Config.Vocab];
            logits = logitsBuffer is null ? Tensor.Zeros(shape) : new Tensor(logitsBuffer, shape);
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
        if (options.ResumeFrom is not null) throw new ArgumentException("A cached run starts from its tokens; ResumeFrom is not supported.", nameof(options));
        var plan = Plan(options);
        if (plan.AnyHooks && WantsAnyPattern(options, Config.Layers)) throw new ArgumentException("hook_pattern and hook_attn_scores are not available in a cached run.", nameof(options));
        if (plan.AnyHooks && WantsAnyResult(options, Config.Layers)) throw new ArgumentException("hook_result is not available in a cached run.", nameof(options));
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
        var resultSize = plan.AnyHooks && WantsAnyResult(options, plan.Layers) ? rows * heads * d : 0;
        var ws = kv?.Workspace(rows) ?? Interlocked.Exchange(ref _spare, null);
        if (ws is null || !ws.Fits(rows, patternSize, resultSize)) ws = new Gpt2Workspace(c, rows, patternSize, resultSize);
        try
        {
            Span<int> rowShape = [batch, t, d];
            Span<int> headShape = [batch, t, heads, dh];
            Span<int> mlpShape = [batch, t, c.DMlp];
            Span<int> patternShape = [batch, heads, t, t];
            Span<int> scaleShape = [batch, t, 1];
            Span<int> resultShape = [batch, t, heads, d];
            var residual = ws.Residual.AsSpan(0, rows * d);
            var normalized = ws.Normalized.AsSpan(0, rows * d);
            var scratch = ws.Scratch.AsSpan(0, rows * d);

            var first = 0;
            if (options.ResumeFrom is { } resume)
            {
                first = Resume(resume, batch, t, plan, residual);
            }
            else
            {
                Embed(tokens, batch, t, kv?.Length ?? 0, options, plan, cache, ws, rowShape);
            }

            for (var l = first; l < plan.Layers; l++)
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
                NormalizeHooked(residual, w.Ln1Gain, w.Ln1Bias, normalized, ws, options, plan, cache, names[Ln1ScaleKind], names[Ln1NormalizedKind], rowShape, scaleShape);
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
                else if (wantsPattern && (Wants(options, names[PatternKind]) || Wants(options, names[ScoresKind])))
                {
                    var pattern = ws.Pattern.AsSpan(0, patternSize);
                    if (Wants(options, names[ScoresKind]))
                    {
                        CausalAttention.ComputeScores(q, k, batch, t, heads, dh, pattern);
                        Emit(options, plan, cache, names[ScoresKind], patternShape, pattern);
                        CausalAttention.ScoresToPattern(pattern, batch * heads, t);
                    }
                    else
                    {
                        CausalAttention.ComputePattern(q, k, batch, t, heads, dh, pattern);
                    }
                    Emit(options, plan, cache, names[PatternKind], patternShape, pattern);
                    CausalAttention.ApplyPattern(pattern, v, batch, t, heads, dh, z);
                }
                else
                {
                    CausalAttention.Forward(q, k, v, batch, t, heads, dh, z);
                }
                Emit(options, plan, cache, names[ZKind], headShape, z);
                if (plan.AnyHooks && Wants(options, names[ResultKind]))
                {
                    HeadResults(z, w, rows, ws.Result.AsSpan(0, rows * heads * d));
                    Emit(options, plan, cache, names[ResultKind], resultShape, ws.Result.AsSpan(0, rows * heads * d));
                    SumHeads(ws.Result.AsSpan(0, rows * heads * d), w.BO, rows, heads, d, scratch);
                }
                else
                {
                    Sgemm.Multiply(z, layer.WO, scratch, rows, w.BO);
                }
                Emit(options, plan, cache, names[AttnOutKind], rowShape, scratch);
                TensorPrimitives.Add(residual, scratch, residual);
                Emit(options, plan, cache, names[ResidMidKind], rowShape, residual);

                NormalizeHooked(residual, w.Ln2Gain, w.Ln2Bias, normalized, ws, options, plan, cache, names[Ln2ScaleKind], names[Ln2NormalizedKind], rowShape, scaleShape);
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

    /// <summary>Loads <paramref name="resume"/>'s residual ([T, D] broadcast, or [B, T, D]) and returns the block to start at.</summary>
    private int Resume(ResumePoint resume, int batch, int t, RunPlan plan, Span<float> residual)
    {
        var d = Config.DModel;
        if (resume.Layer < 0 || resume.Layer >= Math.Max(plan.Layers, 1) || resume.Layer >= Config.Layers)
        {
            throw new ArgumentException($"ResumeFrom.Layer {resume.Layer} is outside the blocks this pass runs [0, {plan.Layers}).");
        }
        var one = t * d;
        if (resume.Residual.Length == one)
        {
            for (var b = 0; b < batch; b++) resume.Residual.CopyTo(residual.Slice(b * one, one));
        }
        else if (resume.Residual.Length == batch * one)
        {
            resume.Residual.CopyTo(residual);
        }
        else
        {
            throw new ArgumentException($"ResumeFrom.Residual has {resume.Residual.Length} values; expected [T, D] = {one} or [B, T, D] = {batch * one}.");
        }
        return resume.Layer;
    }

    private void Unembed(int batch, int t, RunOptions options, RunPlan plan, Span<float> logits, ActivationCache? cache, Gpt2Workspace ws, ReadOnlySpan<int> rowShape)
    {
        var c = Config;
        int d = c.DModel, rows = batch * t;
        var residual = ws.Residual.AsSpan(0, rows * d);
        var normalized = ws.Normalized.AsSpan(0, rows * d);
        // hook_normalized is the value before γ and β, so normalise, let hooks see it, then apply the gain.
        var scale = ws.Scale.AsSpan(0, rows);
        LayerNorm.Forward(residual, [], [], c.LayerNormEpsilon, d, normalized, scale: scale);
        Emit(options, plan, cache, HookNames.FinalScale, [batch, t, 1], scale);
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
            if (Wants(options, _hookNames[l][PatternKind]) || Wants(options, _hookNames[l][ScoresKind])) return true;
        }
        return false;
    }

    private bool WantsAnyResult(RunOptions options, int layers)
    {
        for (var l = 0; l < layers; l++)
        {
            if (Wants(options, _hookNames[l][ResultKind])) return true;
        }
        return false;
    }

    /// <summary>
    /// A block layer norm; when its hook_scale or hook_normalized is wanted, normalises first, lets hooks see
    /// (and edit) the value before γ and β, then applies them, as TransformerLens's LayerNorm does.
    /// </summary>
    private void NormalizeHooked(ReadOnlySpan<float> residual, float[] gain, float[] bias, Span<float> normalized, Gpt2Workspace ws, RunOptions options,
        RunPlan plan, ActivationCache? cache, string scaleName, string normalizedName, ReadOnlySpan<int> rowShape, ReadOnlySpan<int> scaleShape)
    {
        var d = Config.DModel;
        if (!plan.AnyHooks || !(Wants(options, scaleName) || Wants(options, normalizedName)))
        {
            LayerNorm.Forward(residual, gain, bias, Config.LayerNormEpsilon, d, normalized);
            return;
        }
        var rows = residual.Length / d;
        var scale = ws.Scale.AsSpan(0, rows);
        LayerNorm.Forward(residual, [], [], Config.LayerNormEpsilon, d, normalized, scale: scale);
        Emit(options, plan, cache, scaleName, scaleShape, scale);
        Emit(options, plan, cache, normalizedName, rowShape, normalized);
        for (var r = 0; r < rows; r++)
        {
            var row = normalized.Slice(r * d, d);
            if (gain.Length > 0) TensorPrimitives.Multiply(row, gain, row);
            if (bias.Length > 0) TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>result [R, H, D]: each head's z_h [R, Dh] times its rows of W_O [Dh, D], without b_O.</summary>
    private void HeadResults(ReadOnlySpan<float> z, Gpt2LayerWeights w, int rows, Span<float> result)
    {
        int d = Config.DModel, heads = Config.Heads, dh = Config.HeadDim;
        result.Clear();
        for (var r = 0; r < rows; r++)
        {
            for (var h = 0; h < heads; h++)
            {
                var output = result.Slice((r * heads + h) * d, d);
                var zh = z.Slice(r * d + h * dh, dh);
                for (var i = 0; i < dh; i++) TensorPrimitives.MultiplyAdd(w.WO.AsSpan((h * dh + i) * d, d), zh[i], output, output);
            }
        }
    }

    private static void SumHeads(ReadOnlySpan<float> result, ReadOnlySpan<float> bias, int rows, int heads, int d, Span<float> destination)
    {
        for (var r = 0; r < rows; r++)
        {
            var output = destination.Slice(r * d, d);
            bias.CopyTo(output);
            for (var h = 0; h < heads; h++) TensorPrimitives.Add(output, result.Slice((r * heads + h) * d, d), output);
        }
    }

    private static bool Wants(RunOptions options, string name) => options.Hooks.ContainsKey(name) || options.Cache.Contains(name);

    private static void Emit(RunOptions options, RunPlan plan, ActivationCache? cache, string name, ReadOnlySpan<int> shape, Span<float> values)
    {
        if (!plan.AnyHooks) return;
        if (options.Hooks.TryGetValue(name, out var hook)) hook(name, shape, values);
        if (cache is not null && options.Cache.Contains(name)) cache.Add(name, shape, values);
    }

    // Indexes into HookNames.BlockKinds.
    private const int ResidPreKind = 0, Ln1ScaleKind = 1, Ln1NormalizedKind = 2, QKind = 3, KKind = 4, VKind = 5, ScoresKind = 6,
        PatternKind = 7, ZKind = 8, ResultKind = 9, AttnOutKind = 10, ResidMidKind = 11, Ln2ScaleKind = 12, Ln2NormalizedKind = 13,
        MlpPreKind = 14, MlpPostKind = 15, MlpOutKind = 16, ResidPostKind = 17;
}
