using System.Buffers;
using System.Numerics.Tensors;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Kernels;

namespace FeatureAtlas.Core.Model;

/// <summary>
/// Parameter gradients for <see cref="Backward"/>: every linear map y = x·W + b gets dW += xᵀ·dy and db += Σ_rows dy
/// from its recorded input x (re-made from the tape where the tape keeps only the layer norm's input or gelu's) and
/// the output gradient dy the backward pass already holds. Shapes: R rows (B·T), D d_model, F d_mlp, V vocab.
/// </summary>
public sealed partial class Gpt2Model
{
    /// <summary>
    /// The unembedding's gradient from ∂m/∂logits [R, V]: with the tie W_U = wteᵀ, wte [V, D] += (hᵀ·dlogits)ᵀ,
    /// h = ln_final's output [R, D]; untied, W_U [D, V] += hᵀ·dlogits. b_U (zero in GPT-2, not a parameter) gets none.
    /// </summary>
    private void AccumulateUnembeddingGradient(Gpt2Tape tape, ReadOnlySpan<float> logitGradient, Gpt2Weights gradients)
    {
        ParameterGradientScratch.Validate(this, gradients);
        var c = Config;
        int d = c.DModel, v = c.Vocab, rows = tape.Tokens.Length;
        var h = new float[rows * d];
        LayerNorm.Forward(tape.Cache[HookNames.ResidPost(c.Layers - 1)].Data, Weights.LnFinalGain, Weights.LnFinalBias, c.LayerNormEpsilon, d, h);
        var hT = Transpose(h, rows, d);
        if (gradients.WU is not null)
        {
            Sgemm.Multiply(hT, logitGradient, gradients.WU, d, rows, v, accumulate: true);
            return;
        }
        // [D, V] first (M = D keeps the packed A small and splits V's 50,257 columns across cores), then added
        // into wte's [V, D] rows in 64 × 64 blocks so neither side is read with a stride of a whole row per element.
        var dWu = ArrayPool<float>.Shared.Rent(d * v);
        try
        {
            Sgemm.Multiply(hT, logitGradient, dWu, d, rows, v);
            const int Block = 64;
            for (var v0 = 0; v0 < v; v0 += Block)
            {
                for (var i0 = 0; i0 < d; i0 += Block)
                {
                    for (var token = v0; token < Math.Min(v, v0 + Block); token++)
                    {
                        var row = gradients.WE.AsSpan(token * d, d);
                        for (var i = i0; i < Math.Min(d, i0 + Block); i++) row[i] += dWu[i * v + token];
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(dWu);
        }
    }

    private static float[] Transpose(ReadOnlySpan<float> matrix, int rows, int columns)
    {
        var result = new float[matrix.Length];
        for (var r = 0; r < rows; r++)
        {
            var row = matrix.Slice(r * columns, columns);
            for (var c = 0; c < columns; c++) result[c * rows + r] = row[c];
        }
        return result;
    }

    /// <summary>dW [in, out] += xᵀ·dy and db [out] += Σ_rows dy for x [rows, in], dy [rows, out].</summary>
    private static void AccumulateLinear(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int rows, int inDim, int outDim, float[] dW, float[] db)
    {
        var xT = Transpose(x[..(rows * inDim)], rows, inDim);
        Sgemm.Multiply(xT, dy, dW, inDim, rows, outDim, accumulate: true);
        for (var r = 0; r < rows; r++) TensorPrimitives.Add(db, dy.Slice(r * outDim, outDim), db);
    }

    /// <summary>Re-makes what a block's linear maps read (layer-norm outputs, gelu's output) and adds their gradients.</summary>
    private sealed class ParameterGradientScratch
    {
        private readonly Gpt2Model _model;
        private readonly int _rows;
        private readonly float[] _normalized;   // [R, D] a layer norm's output with γ and β
        private readonly float[] _post;         // [R, F] mlp.hook_post

        public ParameterGradientScratch(Gpt2Model model, Gpt2Weights gradients, int rows)
        {
            Validate(model, gradients);
            var c = model.Config;
            _model = model;
            Gradients = gradients;
            _rows = rows;
            _normalized = new float[rows * c.DModel];
            _post = new float[rows * c.DMlp];
        }

        /// <summary>Refuses an accumulator of another shape before anything is added to it.</summary>
        public static void Validate(Gpt2Model model, Gpt2Weights gradients)
        {
            var c = model.Config;
            if (gradients.Config != c || gradients.Layers.Length != c.Layers || gradients.WE.Length != model.Weights.WE.Length)
            {
                throw new ArgumentException("parameterGradients must have this model's shapes (Gpt2Weights.ZerosLike).", nameof(gradients));
            }
            if ((gradients.WU is null) != (model.Weights.WU is null))
            {
                throw new ArgumentException("parameterGradients must be tied (WU null) exactly when the model is.", nameof(gradients));
            }
        }

        public Gpt2Weights Gradients { get; }

        private Gpt2Config Config => _model.Config;

        public void MlpOut(Gpt2Tape tape, int layer, ReadOnlySpan<float> dMlpOut)
        {
            var g = Gradients.Layers[layer];
            Gelu.Forward(tape.Cache[HookNames.MlpPre(layer)].Data, _post);
            AccumulateLinear(_post, dMlpOut, _rows, Config.DMlp, Config.DModel, g.WOut, g.BOut);
        }

        public void MlpIn(Gpt2Tape tape, int layer, ReadOnlySpan<float> dPre)
        {
            var w = _model.Weights.Layers[layer];
            var g = Gradients.Layers[layer];
            LayerNorm.Forward(tape.Cache[HookNames.ResidMid(layer)].Data, w.Ln2Gain, w.Ln2Bias, Config.LayerNormEpsilon, Config.DModel, _normalized);
            AccumulateLinear(_normalized, dPre, _rows, Config.DModel, Config.DMlp, g.WIn, g.BIn);
        }

        public void AttnOut(Gpt2Tape tape, int layer, ReadOnlySpan<float> dAttnOut)
        {
            var g = Gradients.Layers[layer];
            AccumulateLinear(tape.Cache[HookNames.Z(layer)].Data, dAttnOut, _rows, Config.DModel, Config.DModel, g.WO, g.BO);
        }

        public void QueryKeyValue(Gpt2Tape tape, int layer, ReadOnlySpan<float> dQ, ReadOnlySpan<float> dK, ReadOnlySpan<float> dV)
        {
            var w = _model.Weights.Layers[layer];
            var g = Gradients.Layers[layer];
            int d = Config.DModel;
            LayerNorm.Forward(tape.Cache[HookNames.ResidPre(layer)].Data, w.Ln1Gain, w.Ln1Bias, Config.LayerNormEpsilon, d, _normalized);
            AccumulateLinear(_normalized, dQ, _rows, d, d, g.WQ, g.BQ);
            AccumulateLinear(_normalized, dK, _rows, d, d, g.WK, g.BK);
            AccumulateLinear(_normalized, dV, _rows, d, d, g.WV, g.BV);
        }

        /// <summary>hook_embed and hook_pos_embed both receive the gradient at resid_pre of block 0, scattered into their rows.</summary>
        public void Embeddings(Gpt2Tape tape, ReadOnlySpan<float> dResid)
        {
            int d = Config.DModel, t = tape.Length;
            for (var r = 0; r < _rows; r++)
            {
                var row = dResid.Slice(r * d, d);
                var token = Gradients.WE.AsSpan(tape.Tokens[r] * d, d);
                TensorPrimitives.Add(token, row, token);
                var position = Gradients.WPos.AsSpan(r % t * d, d);
                TensorPrimitives.Add(position, row, position);
            }
        }
    }
}
