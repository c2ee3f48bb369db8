using System.Numerics.Tensors;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Tensors;
using Tensor = FeatureAtlas.Core.Tensors.Tensor;

namespace FeatureAtlas.Core.Model;

/// <summary>
/// The backward pass: vector–Jacobian products through every part of GPT-2 (unembedding, ln_final and the block
/// layer norms, MLP with gelu_new, attention, embeddings), giving the gradient of a scalar metric with respect
/// to every hook activation, optionally with attention patterns and layer-norm scales frozen
/// (<see cref="BackwardOptions"/>). Written once, here, for every circuit tool (attribution, attribution
/// patching, attribution graphs) and for training.
/// <para>
/// Parameter gradients: every linear map y = x·W + b is undone here as dx = dy·Wᵀ with x recorded in the tape,
/// so dW = xᵀ·dy and db = Σ_rows dy can be accumulated at the same points (W_O from z and the hook_attn_out
/// gradient, W_in from ln2's output and the mlp.hook_pre gradient, W_out from mlp.hook_post and the hook_mlp_out
/// gradient, W_Q/W_K/W_V from ln1's output and the q/k/v gradients; γ and β from the hook_normalized gradient
/// before the gain is applied: dγ = Σ dy ⊙ x̂, dβ = Σ dy; embeddings by scattering the hook_embed and
/// hook_pos_embed gradients into their rows). Given a <c>parameterGradients</c> accumulator (<see cref="Gpt2Weights.ZerosLike"/>)
/// those sums are added beside each dx below (Gpt2Model.ParameterGradients.cs); nothing else changes, and with the tied
/// unembedding wte receives both its embedding and its unembedding gradient.
/// Shapes: R = B·T rows, D d_model, H heads, Dh head dim, F d_mlp, V vocab.
/// </para>
/// </summary>
public sealed partial class Gpt2Model
{
    private TransposedLayer[]? _transposed;
    private PackedMatrix? _unembedTransposed;                   // [V, D] = W_Uᵀ

    /// <summary>
    /// Runs <paramref name="tokens"/> (as <see cref="Run(ReadOnlySpan{int}, int, RunOptions?)"/>: no BOS added)
    /// and records what <see cref="Backward"/> needs. Hooks in <paramref name="options"/> (e.g. a patch) edit the
    /// recorded run; the backward pass then treats each edit as a constant added at its hook. With
    /// <see cref="RunOptions.LogitsLastPositionOnly"/> the tape holds only the last position's logits ([B, V]).
    /// A <paramref name="logits"/> buffer of exactly that size is written and held by the tape instead of a new array
    /// (a training step reuses its [B·T, V] logits, hundreds of MB at GPT-2's vocabulary, from step to step).
    /// </summary>
    public Gpt2Tape Record(ReadOnlySpan<int> tokens, int batch = 1, RunOptions? options = null, float[]? logits = null)
    {
        var names = new HashSet<string>(options?.Cache ?? [], StringComparer.Ordinal);
        for (var l = 0; l < Config.Layers; l++)
        {
            names.UnionWith([HookNames.ResidPre(l), HookNames.Q(l), HookNames.K(l), HookNames.V(l), HookNames.Pattern(l), HookNames.Z(l),
                HookNames.ResidMid(l), HookNames.MlpPre(l)]);
        }
        names.Add(HookNames.ResidPost(Config.Layers - 1));
        var output = Run(tokens, batch, new RunOptions
        {
            Cache = names, Hooks = options?.Hooks ?? new Dictionary<string, ActivationHook>(), LogitsLastPositionOnly = options?.LogitsLastPositionOnly ?? false,
        }, logits);
        return new Gpt2Tape(tokens.ToArray(), batch, output.Logits!, output.Cache);
    }

    /// <summary>
    /// Gradients of the metric whose gradient with respect to the logits is <paramref name="logitGradient"/>
    /// [B·T, V] (e.g. +1 at (t, target), −1 at (t, distractor) for a logit difference).
    /// </summary>
    public ActivationCache BackwardFromLogits(Gpt2Tape tape, ReadOnlySpan<float> logitGradient, BackwardOptions? options = null,
        Gpt2Weights? parameterGradients = null)
    {
        ArgumentNullException.ThrowIfNull(tape);
        var rows = tape.Tokens.Length;
        if (logitGradient.Length != (long)rows * Config.Vocab) throw new ArgumentException($"logitGradient needs [{rows}, {Config.Vocab}] elements, has {logitGradient.Length}.", nameof(logitGradient));
        var outputGradient = new float[rows * Config.DModel];
        MultiplyByUnembeddingTransposed(logitGradient, rows, outputGradient);
        if (parameterGradients is not null) AccumulateUnembeddingGradient(tape, logitGradient, parameterGradients);
        return Backward(tape, outputGradient, options, parameterGradients);
    }

    /// <summary>
    /// Gradients of a scalar metric given its gradient <paramref name="outputGradient"/> [B·T, D] with respect to
    /// ln_final's output (after γ and β: what W_U reads). For a logit difference at position t that is
    /// W_U[:, target] − W_U[:, distractor] in row t (<see cref="UnembeddingColumn"/>) and zero elsewhere.
    /// Returns gradients by hook name in TransformerLens shapes ([B, T, D], q/k/v/z [B, T, H, Dh],
    /// pattern and attn_scores [B, H, T, T], result [B, T, H, D], hook_scale [B, T, 1], mlp [B, T, F]).
    /// With <paramref name="parameterGradients"/>, every parameter's gradient below ln_final's output is added to it.
    /// </summary>
    public ActivationCache Backward(Gpt2Tape tape, ReadOnlySpan<float> outputGradient, BackwardOptions? options = null,
        Gpt2Weights? parameterGradients = null)
    {
        ArgumentNullException.ThrowIfNull(tape);
        options ??= BackwardOptions.Full;
        var c = Config;
        int d = c.DModel, heads = c.Heads, dh = c.HeadDim, f = c.DMlp, batch = tape.Batch, t = tape.Length, rows = tape.Tokens.Length;
        if (outputGradient.Length != rows * d) throw new ArgumentException($"outputGradient needs [{rows}, {d}] elements, has {outputGradient.Length}.", nameof(outputGradient));
        var wanted = options.Gradients.Count == 0 ? null : new HashSet<string>(options.Gradients, StringComparer.Ordinal);
        foreach (var name in wanted ?? [])
        {
            if (!HookNames.TryParse(name, c.Layers, out _, out _)) throw new ArgumentException($"Unknown hook point '{name}' for a {c.Layers}-layer GPT-2 (see HookNames.All).");
        }
        var transposed = LazyInitializer.EnsureInitialized(ref _transposed, () => _layers.Select(l => new TransposedLayer(l.Source, c)).ToArray());
        var grads = new ActivationCache();
        int[] rowShape = [batch, t, d], headShape = [batch, t, heads, dh], mlpShape = [batch, t, f], scaleShape = [batch, t, 1],
            patternShape = [batch, heads, t, t], resultShape = [batch, t, heads, d];
        void Add(string name, int[] shape, ReadOnlySpan<float> values)
        {
            if (wanted is null || wanted.Contains(name)) grads.Add(name, shape, values);
        }

        var dResid = new float[rows * d];      // gradient flowing along the residual stream
        var dIn = new float[rows * d];         // gradient at a layer norm's output
        var dMlp = new float[rows * f];
        var dQ = new float[rows * d];
        var dK = new float[rows * d];
        var dV = new float[rows * d];
        var dZ = new float[rows * d];
        var dScale = new float[rows];
        var dPattern = new float[batch * heads * t * t];
        var dScores = new float[batch * heads * t * t];
        var pg = parameterGradients is null ? null : new ParameterGradientScratch(this, parameterGradients, rows);

        outputGradient.CopyTo(dIn);
        LayerNormBackward(tape.Cache[HookNames.ResidPost(c.Layers - 1)].Data, Weights.LnFinalGain, dIn, dScale, dResid, options.FreezeLayerNorm,
            pg?.Gradients.LnFinalGain, pg?.Gradients.LnFinalBias);
        Add(HookNames.FinalScale, scaleShape, dScale);
        Add(HookNames.FinalNormalized, rowShape, dIn);

        for (var l = c.Layers - 1; l >= 0; l--)
        {
            var w = _layers[l].Source;
            var wt = transposed[l];
            Add(HookNames.ResidPost(l), rowShape, dResid);

            // MLP: resid_post = resid_mid + gelu(ln2(resid_mid)·W_in + b_in)·W_out + b_out.
            Add(HookNames.MlpOut(l), rowShape, dResid);
            pg?.MlpOut(tape, l, dResid);
            Sgemm.Multiply(dResid, wt.WOut, dMlp, rows);
            Add(HookNames.MlpPost(l), mlpShape, dMlp);
            Gelu.Backward(tape.Cache[HookNames.MlpPre(l)].Data, dMlp);
            Add(HookNames.MlpPre(l), mlpShape, dMlp);
            pg?.MlpIn(tape, l, dMlp);
            Sgemm.Multiply(dMlp, wt.WIn, dIn, rows);
            LayerNormBackward(tape.Cache[HookNames.ResidMid(l)].Data, w.Ln2Gain, dIn, dScale, dResid, options.FreezeLayerNorm,
                pg?.Gradients.Layers[l].Ln2Gain, pg?.Gradients.Layers[l].Ln2Bias);
            Add(HookNames.Ln2Scale(l), scaleShape, dScale);
            Add(HookNames.Ln2Normalized(l), rowShape, dIn);
            Add(HookNames.ResidMid(l), rowShape, dResid);

            // Attention: resid_mid = resid_pre + Σ_h pattern_h·v_h·W_O[h] + b_O.
            Add(HookNames.AttnOut(l), rowShape, dResid);
            if (wanted is null || wanted.Contains(HookNames.Result(l))) Add(HookNames.Result(l), resultShape, Broadcast(dResid, rows, heads, d));
            pg?.AttnOut(tape, l, dResid);
            Sgemm.Multiply(dResid, wt.WO, dZ, rows);
            Add(HookNames.Z(l), headShape, dZ);
            CausalAttention.Backward(tape.Cache[HookNames.Q(l)].Data, tape.Cache[HookNames.K(l)].Data, tape.Cache[HookNames.V(l)].Data,
                tape.Cache[HookNames.Pattern(l)].Data, dZ, batch, t, heads, dh, options.FreezeAttention, dPattern, dScores, dQ, dK, dV);
            Add(HookNames.Pattern(l), patternShape, dPattern);
            Add(HookNames.AttnScores(l), patternShape, dScores);
            Add(HookNames.Q(l), headShape, dQ);
            Add(HookNames.K(l), headShape, dK);
            Add(HookNames.V(l), headShape, dV);
            pg?.QueryKeyValue(tape, l, dQ, dK, dV);
            Sgemm.Multiply(dQ, wt.WQ, dIn, rows);
            Sgemm.Multiply(dK, wt.WK, dIn, rows, accumulate: true);
            Sgemm.Multiply(dV, wt.WV, dIn, rows, accumulate: true);
            LayerNormBackward(tape.Cache[HookNames.ResidPre(l)].Data, w.Ln1Gain, dIn, dScale, dResid, options.FreezeLayerNorm,
                pg?.Gradients.Layers[l].Ln1Gain, pg?.Gradients.Layers[l].Ln1Bias);
            Add(HookNames.Ln1Scale(l), scaleShape, dScale);
            Add(HookNames.Ln1Normalized(l), rowShape, dIn);
            Add(HookNames.ResidPre(l), rowShape, dResid);
        }
        Add(HookNames.Embed, rowShape, dResid);
        Add(HookNames.PosEmbed, rowShape, dResid);
        pg?.Embeddings(tape, dResid);
        return grads;
    }

    /// <summary>
    /// x [rows, D] = g [rows, V] · W_Uᵀ: a logit gradient taken back through the unembedding (W_Uᵀ packed on first use).
    /// </summary>
    public void MultiplyByUnembeddingTransposed(ReadOnlySpan<float> logitGradient, int rows, Span<float> destination)
    {
        var unembedT = LazyInitializer.EnsureInitialized(ref _unembedTransposed, () => Weights.WU is null
            ? PackedMatrix.Pack(Weights.WE, Config.Vocab, Config.DModel)
            : PackedMatrix.PackTransposed(Weights.WU, Config.Vocab, Config.DModel));
        Sgemm.Multiply(logitGradient, unembedT, destination, rows);
    }

    /// <summary>W_U[:, <paramref name="token"/>] [D] into <paramref name="destination"/> (a row of W_E while the unembedding is tied).</summary>
    public void UnembeddingColumn(int token, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(token);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(token, Config.Vocab);
        int d = Config.DModel, v = Config.Vocab;
        if (destination.Length < d) throw new ArgumentException($"destination needs {d} elements.", nameof(destination));
        if (Weights.WU is null)
        {
            Weights.WE.AsSpan(token * d, d).CopyTo(destination);
            return;
        }
        for (var i = 0; i < d; i++) destination[i] = Weights.WU[i * v + token];
    }

    /// <summary>
    /// Layer norm y = γ ⊙ x̂ + β, x̂ = (x − μ)/σ, σ = √(var + ε), row by row. On entry <paramref name="dOut"/> holds
    /// ∂m/∂y; on exit ∂m/∂x̂ (hook_normalized's gradient), <paramref name="dScale"/> ∂m/∂σ, and ∂m/∂x is added
    /// to <paramref name="dX"/>: (g − mean g − x̂·mean(g ⊙ x̂))/σ with g = ∂m/∂x̂, or (g − mean g)/σ with σ frozen.
    /// Given <paramref name="dGain"/> and <paramref name="dBias"/> (for a layer norm with γ and β), adds Σ_rows ∂m/∂y ⊙ x̂
    /// and Σ_rows ∂m/∂y to them.
    /// </summary>
    private void LayerNormBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> gain, Span<float> dOut, Span<float> dScale, Span<float> dX, bool freezeScale,
        float[]? dGain = null, float[]? dBias = null)
    {
        var d = Config.DModel;
        Span<float> xhat = d <= 1024 ? stackalloc float[d] : new float[d];
        for (var r = 0; r < x.Length / d; r++)
        {
            var row = x.Slice(r * d, d);
            var g = dOut.Slice(r * d, d);
            var mean = TensorPrimitives.Sum(row) / d;
            TensorPrimitives.Subtract(row, mean, xhat);
            var sigma = MathF.Sqrt(TensorPrimitives.Dot(xhat, xhat) / d + Config.LayerNormEpsilon);
            TensorPrimitives.Multiply(xhat, 1f / sigma, xhat);
            if (dGain is { Length: > 0 } && dBias is { Length: > 0 })
            {
                TensorPrimitives.MultiplyAdd(g, xhat, dGain, dGain);
                TensorPrimitives.Add(g, dBias, dBias);
            }
            if (!gain.IsEmpty) TensorPrimitives.Multiply(g, gain, g);
            var gDotXhat = TensorPrimitives.Dot(g, xhat);
            dScale[r] = -gDotXhat / sigma;
            var gMean = TensorPrimitives.Sum(g) / d;
            var projection = freezeScale ? 0f : gDotXhat / d;
            var dx = dX.Slice(r * d, d);
            for (var i = 0; i < d; i++) dx[i] += (g[i] - gMean - xhat[i] * projection) / sigma;
        }
    }

    private static float[] Broadcast(ReadOnlySpan<float> rowsByD, int rows, int heads, int d)
    {
        var result = new float[rows * heads * d];
        for (var r = 0; r < rows; r++)
        {
            for (var h = 0; h < heads; h++) rowsByD.Slice(r * d, d).CopyTo(result.AsSpan((r * heads + h) * d, d));
        }
        return result;
    }

    /// <summary>The backward pass's packed copies (made on its first use), packed again for <see cref="Repack"/>.</summary>
    private void RepackTransposed()
    {
        foreach (var (layer, weights) in (_transposed ?? []).Zip(Weights.Layers)) layer.Repack(weights);
        if (_unembedTransposed is null) return;
        if (Weights.WU is null) _unembedTransposed.Repack(Weights.WE, transposed: false);
        else _unembedTransposed.Repack(Weights.WU, transposed: true);
    }

    /// <summary>A block's weights packed transposed for dx = dy·Wᵀ, made on the first backward pass only.</summary>
    private sealed class TransposedLayer(Gpt2LayerWeights w, Gpt2Config c)
    {
        public void Repack(Gpt2LayerWeights weights)
        {
            WQ.Repack(weights.WQ, transposed: true);
            WK.Repack(weights.WK, transposed: true);
            WV.Repack(weights.WV, transposed: true);
            WO.Repack(weights.WO, transposed: true);
            WIn.Repack(weights.WIn, transposed: true);
            WOut.Repack(weights.WOut, transposed: true);
        }

        public PackedMatrix WQ { get; } = PackedMatrix.PackTransposed(w.WQ, c.DModel, c.DModel);     // [D(q), D]
        public PackedMatrix WK { get; } = PackedMatrix.PackTransposed(w.WK, c.DModel, c.DModel);
        public PackedMatrix WV { get; } = PackedMatrix.PackTransposed(w.WV, c.DModel, c.DModel);
        public PackedMatrix WO { get; } = PackedMatrix.PackTransposed(w.WO, c.DModel, c.DModel);     // [D, D(z)]
        public PackedMatrix WIn { get; } = PackedMatrix.PackTransposed(w.WIn, c.DMlp, c.DModel);     // [F, D]
        public PackedMatrix WOut { get; } = PackedMatrix.PackTransposed(w.WOut, c.DModel, c.DMlp);   // [D, F]
    }
}
