using System.Buffers;
using System.Numerics.Tensors;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Model;

namespace FeatureAtlas.Core.Training;

/// <summary>
/// Fits a <see cref="TunedLens"/> to a frozen GPT-2. Each translated layer l has its own loss, the mean over positions
/// of KL(p ‖ q_l), where p is the model's own next-token distribution and q_l = softmax(ln_final(y_l)·W_U + b_U) with
/// y_l = h + A_l·(h − mean h) + b_l on hook_resid_post l; the reported loss is their mean over layers. Gradients are
/// exact (no sampling of the vocabulary): ∂/∂z = (q − p)/N through W_Uᵀ and ln_final into A_l and b_l. The [N, V]
/// logits are made <see cref="TunedLensTrainingOptions.RowBlock"/> rows at a time, so memory stays bounded.
/// Shape legend: N positions in a batch, D d_model, V vocab.
/// </summary>
public sealed class TunedLensTrainer
{
    private readonly Gpt2Model _model;
    private readonly TunedLensTrainingOptions _options;
    private readonly float[][] _mWeight, _vWeight, _mBias, _vBias;

    private TunedLensTrainer(Gpt2Model model, TunedLens lens, TunedLensTrainingOptions options)
    {
        _model = model;
        Lens = lens;
        _options = options;
        int n = lens.Translators, d = lens.DModel;
        _mWeight = Zeros(n, d * d);
        _vWeight = Zeros(n, d * d);
        _mBias = Zeros(n, d);
        _vBias = Zeros(n, d);
    }

    /// <summary>The lens being fitted; its parameters change in place with every step.</summary>
    public TunedLens Lens { get; }

    /// <summary>Optimiser steps taken so far.</summary>
    public int Step { get; private set; }

    public long TokensSeen { get; private set; }

    public static TunedLensTrainer Create(Gpt2Model model, TunedLens lens, TunedLensTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(lens);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (lens.Layers != model.Config.Layers || lens.DModel != model.Config.DModel)
        {
            throw new ArgumentException($"The lens is for {lens.Layers} layers of d_model {lens.DModel}; the model has {model.Config.Layers} of {model.Config.DModel}.");
        }
        return new TunedLensTrainer(model, lens, options);
    }

    /// <summary>One AdamW step on <paramref name="tokens"/> ([B·T], used as given); returns the loss before the step.</summary>
    public TunedLensStepResult TrainStep(ReadOnlySpan<int> tokens, int batch)
    {
        var objective = Objective(_model, Lens, tokens, batch, withGradients: true, _options.RowBlock);
        var lr = _options.LearningRateAt(Step);
        Step++;
        for (var l = 0; l < Lens.Translators; l++)
        {
            AdamW.Update(Lens.Weights[l], objective.WeightGradients![l], _mWeight[l], _vWeight[l], Step, lr, _options.Beta1, _options.Beta2, _options.Epsilon, _options.WeightDecay);
            AdamW.Update(Lens.Biases[l], objective.BiasGradients![l], _mBias[l], _vBias[l], Step, lr, _options.Beta1, _options.Beta2, _options.Epsilon, 0f);
            Lens.Invalidate(l);
        }
        TokensSeen += tokens.Length;
        return new TunedLensStepResult(Step, objective.Loss, objective.LayerKl, lr);
    }

    /// <summary>
    /// The per-layer KL (and, with <paramref name="withGradients"/>, ∂KL_l/∂A_l [D·D as out, in] and ∂KL_l/∂b_l) of
    /// <paramref name="lens"/> on <paramref name="tokens"/>. The identity lens gives the logit lens's KL.
    /// </summary>
    public static TunedLensObjective Objective(Gpt2Model model, TunedLens lens, ReadOnlySpan<int> tokens, int batch, bool withGradients, int rowBlock = 128)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(lens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowBlock);
        var c = model.Config;
        int d = c.DModel, v = c.Vocab, layers = c.Layers, translators = lens.Translators;
        var names = Enumerable.Range(0, layers).Select(HookNames.ResidPost).ToArray();
        var cache = model.Run(tokens, batch, RunOptions.CacheOnly(names)).Cache;
        var n = tokens.Length;
        var block = Math.Min(rowBlock, n);

        var kl = new double[translators];
        var dWeight = withGradients ? Zeros(translators, d * d) : null;
        var dBias = withGradients ? Zeros(translators, d) : null;
        var pool = ArrayPool<float>.Shared;
        var target = pool.Rent(block * v);      // p [rows, V]
        var logits = pool.Rent(block * v);      // z, then ∂KL/∂z
        var entropy = new double[block];        // Σ p log p per row
        var translated = new float[block * d];
        var centred = new float[block * d];
        var xhat = new float[block * d];
        var sigma = new float[block];
        var normalized = new float[block * d];
        var dNormalized = new float[block * d];
        var dTransposed = new float[d * block];
        try
        {
            for (var r0 = 0; r0 < n; r0 += block)
            {
                var rows = Math.Min(block, n - r0);
                var p = target.AsSpan(0, rows * v);
                var z = logits.AsSpan(0, rows * v);
                // The model's own distribution from the last layer's residual, row block by row block.
                ReadOut(model, cache[names[layers - 1]].Data.AsSpan(r0 * d, rows * d), rows, xhat, sigma, normalized, p);
                for (var r = 0; r < rows; r++)
                {
                    var row = p.Slice(r * v, v);
                    var lse = LogSumExp(row);
                    // Σ p log p = Σ p (z − lse), taken before p overwrites z.
                    TensorPrimitives.Subtract(row, lse, row);
                    var logp = row;
                    var expd = z.Slice(r * v, v);
                    TensorPrimitives.Exp(logp, expd);
                    entropy[r] = TensorPrimitives.Dot(expd, logp);
                    expd.CopyTo(row);
                }

                for (var l = 0; l < translators; l++)
                {
                    var h = cache[names[l]].Data.AsSpan(r0 * d, rows * d);
                    lens.Translate(l, h, rows, centred, translated);
                    ReadOut(model, translated.AsSpan(0, rows * d), rows, xhat, sigma, normalized, z);
                    double sum = 0;
                    for (var r = 0; r < rows; r++)
                    {
                        var zr = z.Slice(r * v, v);
                        var pr = p.Slice(r * v, v);
                        var lse = LogSumExp(zr);
                        // KL(p ‖ q) = Σ p log p − Σ p (z − lse) = entropy − p·z + lse, since Σ p = 1.
                        sum += entropy[r] - TensorPrimitives.Dot(pr, zr) + lse;
                        if (!withGradients) continue;
                        TensorPrimitives.Subtract(zr, lse, zr);
                        TensorPrimitives.Exp(zr, zr);
                        TensorPrimitives.Subtract(zr, pr, zr);
                        TensorPrimitives.Multiply(zr, 1f / n, zr);
                    }
                    kl[l] += sum / n;
                    if (!withGradients) continue;

                    var dn = dNormalized.AsSpan(0, rows * d);
                    model.MultiplyByUnembeddingTransposed(z, rows, dn);
                    LayerNormBackward(dn, xhat, sigma, model.Weights.LnFinalGain, rows, d);   // dn becomes ∂KL/∂y
                    for (var r = 0; r < rows; r++)
                    {
                        var dy = dn.Slice(r * d, d);
                        TensorPrimitives.Add(dBias![l], dy, dBias[l]);
                        for (var i = 0; i < d; i++) dTransposed[i * rows + r] = dy[i];
                    }
                    // ∂A [out, in] += dyᵀ [D, rows] · centred [rows, D].
                    Sgemm.Multiply(dTransposed.AsSpan(0, d * rows), centred.AsSpan(0, rows * d), dWeight![l], d, rows, d, accumulate: true);
                }
            }
        }
        finally
        {
            pool.Return(target);
            pool.Return(logits);
        }
        var loss = translators == 0 ? 0 : kl.Average();
        return new TunedLensObjective(loss, kl, dWeight, dBias);
    }

    /// <summary>z [rows, V] = ln_final(y)·W_U + b_U, keeping x̂ and σ for the backward pass.</summary>
    private static void ReadOut(Gpt2Model model, ReadOnlySpan<float> y, int rows, float[] xhat, float[] sigma, float[] normalized, Span<float> z)
    {
        var c = model.Config;
        var d = c.DModel;
        LayerNorm.Forward(y, [], [], c.LayerNormEpsilon, d, xhat.AsSpan(0, rows * d), scale: sigma.AsSpan(0, rows));
        var w = model.Weights;
        for (var r = 0; r < rows; r++)
        {
            var src = xhat.AsSpan(r * d, d);
            var dst = normalized.AsSpan(r * d, d);
            if (w.LnFinalGain.Length > 0) TensorPrimitives.Multiply(src, w.LnFinalGain, dst);
            else src.CopyTo(dst);
            if (w.LnFinalBias.Length > 0) TensorPrimitives.Add(dst, w.LnFinalBias, dst);
        }
        model.MultiplyByUnembedding(normalized.AsSpan(0, rows * d), rows, z);
        for (var r = 0; r < rows; r++) TensorPrimitives.Add(z.Slice(r * c.Vocab, c.Vocab), w.BU, z.Slice(r * c.Vocab, c.Vocab));
    }

    /// <summary>In place: ∂/∂n [rows, D] → ∂/∂y through n = γ ⊙ x̂ + β: (g − mean g − x̂·mean(g ⊙ x̂))/σ with g = γ ⊙ ∂/∂n.</summary>
    private static void LayerNormBackward(Span<float> gradient, float[] xhat, float[] sigma, float[] gain, int rows, int d)
    {
        for (var r = 0; r < rows; r++)
        {
            var g = gradient.Slice(r * d, d);
            var x = xhat.AsSpan(r * d, d);
            if (gain.Length > 0) TensorPrimitives.Multiply(g, gain, g);
            var mean = TensorPrimitives.Sum(g) / d;
            var projection = TensorPrimitives.Dot(g, x) / d;
            TensorPrimitives.Subtract(g, mean, g);
            TensorPrimitives.MultiplyAdd(x, -projection, g, g);
            TensorPrimitives.Multiply(g, 1f / sigma[r], g);
        }
    }

    private static float LogSumExp(ReadOnlySpan<float> row)
    {
        var max = TensorPrimitives.Max(row);
        double sum = 0;
        Span<float> chunk = stackalloc float[1024];
        for (var i = 0; i < row.Length; i += chunk.Length)
        {
            var part = row.Slice(i, Math.Min(chunk.Length, row.Length - i));
            TensorPrimitives.Subtract(part, max, chunk[..part.Length]);
            TensorPrimitives.Exp(chunk[..part.Length], chunk[..part.Length]);
            sum += TensorPrimitives.Sum(chunk[..part.Length]);
        }
        return max + (float)Math.Log(sum);
    }

    /// <summary>Writes the step, tokens seen, the lens parameters and both Adam moments.</summary>
    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Step);
        writer.Write(TokensSeen);
        writer.Write(Lens.Translators);
        writer.Write(Lens.DModel);
        for (var l = 0; l < Lens.Translators; l++)
        {
            foreach (var array in new[] { Lens.Weights[l], Lens.Biases[l], _mWeight[l], _vWeight[l], _mBias[l], _vBias[l] }) Write(writer, array);
        }
    }

    /// <summary>A trainer continuing from <see cref="WriteState"/>'s record; <paramref name="lens"/> receives the parameters.</summary>
    public static TunedLensTrainer ReadState(BinaryReader reader, Gpt2Model model, TunedLens lens, TunedLensTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var trainer = Create(model, lens, options);
        trainer.Step = reader.ReadInt32();
        trainer.TokensSeen = reader.ReadInt64();
        int n = reader.ReadInt32(), d = reader.ReadInt32();
        if (n != lens.Translators || d != lens.DModel) throw new InvalidDataException($"The checkpoint holds {n} translators of d_model {d}; this lens has {lens.Translators} of {lens.DModel}.");
        for (var l = 0; l < n; l++)
        {
            foreach (var array in new[] { lens.Weights[l], lens.Biases[l], trainer._mWeight[l], trainer._vWeight[l], trainer._mBias[l], trainer._vBias[l] }) Read(reader, array);
            lens.Invalidate(l);
        }
        return trainer;
    }

    private static void Write(BinaryWriter writer, float[] values)
    {
        writer.Write(values.Length);
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static void Read(BinaryReader reader, float[] destination)
    {
        var length = reader.ReadInt32();
        if (length != destination.Length) throw new InvalidDataException($"A checkpoint array holds {length} values; expected {destination.Length}.");
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination.AsSpan());
        for (var read = 0; read < bytes.Length;)
        {
            var got = reader.Read(bytes[read..]);
            if (got == 0) throw new EndOfStreamException();
            read += got;
        }
    }

    private static float[][] Zeros(int count, int length) => Enumerable.Range(0, count).Select(_ => new float[length]).ToArray();
}
