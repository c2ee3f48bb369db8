using System.Numerics.Tensors;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Training;

public sealed partial class SaeTrainer
{
    // Features per chunk of the column passes: 256 floats of each of 3-4 rows streams stay in L1 per row.
    private const int FeatureChunk = 256;

    /// <summary>
    /// Forward and backward on x [rows, I] at the current parameters: fills the gradient arrays and the batch's
    /// firing counts, and returns (loss, MSE part, sparsity part, L0). Loss = mean_b Σ_d (x̂ − x)² + sparsity.
    /// </summary>
    internal (double Loss, double Mse, double Sparsity, double L0) ComputeGradients(ReadOnlySpan<float> x, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        if (x.Length != (long)rows * DIn) throw new ArgumentException($"x needs [{rows}, {DIn}] = {(long)rows * DIn} values, has {x.Length}.", nameof(x));
        var sparse = Options.Architecture == SaeArchitecture.TopK;
        var w = _work is { } existing && existing.Rows == rows ? existing : _work = new Workspace(rows, DIn, DSae, Options.K, sparse);
        if (Options.Architecture == SaeArchitecture.Standard) TrainingKernels.RowNorms(_wDec, DSae, DIn, _decoderNorms);
        for (var r = 0; r < rows; r++) TensorPrimitives.Subtract(x.Slice(r * DIn, DIn), _bDec, w.Centered.AsSpan(r * DIn, DIn));
        Sgemm.Multiply(w.Centered, _wEnc, w.Pre, rows, DIn, DSae);                          // h = x′·W_enc (b_enc added next)
        var coefficient = Options.SparsityCoefficientAt(Step);
        var (mse, sparsity, l0) = sparse ? SparseBackward(x, w) : DenseBackward(x, w, coefficient);
        DecoderBiasGradient(w);
        return (mse + sparsity, mse, sparsity, l0);
    }

    private (double Mse, double Sparsity, double L0) DenseBackward(ReadOnlySpan<float> x, Workspace w, float coefficient)
    {
        int b = w.Rows, n = DIn, s = DSae;
        RunColumns(w, coefficient, forward: true);                                            // f = act(h + b_enc), firing counts
        Sgemm.Multiply(w.Acts!, _wDec, w.Recon, b, s, n);                                    // x̂ = f·W_dec (+ b_dec next)
        var mse = ReconstructionError(x, w);

        double sparsity = 0, active = 0;
        for (var i = 0; i < s; i++)
        {
            active += _activeInBatch[i];
            sparsity += Options.Architecture == SaeArchitecture.Standard ? w.ColumnSum[i] * _decoderNorms[i] : _activeInBatch[i];
        }
        sparsity *= coefficient / b;

        Sgemm.Multiply(w.DRecon, _wDec, w.Grad!, b, n, s, transposeB: true);                // δf = δx̂·W_decᵀ
        RunColumns(w, coefficient, forward: false);                                           // δh in place of δf; ∂b_enc, ∂log θ
        TrainingKernels.Transpose(w.Centered, b, n, w.CenteredT);
        TrainingKernels.Transpose(w.DRecon, b, n, w.DReconT);
        Sgemm.Multiply(w.CenteredT, w.Grad!, _gWEnc, n, b, s);                                // ∂W_enc = x′ᵀ·δh
        Sgemm.Multiply(w.DReconT, w.Acts!, w.Scratch, n, b, s);                               // ∂W_decᵀ = δx̂ᵀ·f
        TrainingKernels.Transpose(w.Scratch, n, s, _gWDec);
        if (Options.Architecture == SaeArchitecture.Standard && coefficient != 0)
        {
            // ∂/∂W_dec,i of (λ/B)·Σ_b f_bi·‖W_dec,i‖ = (λ/B)·(Σ_b f_bi)·W_dec,i/‖W_dec,i‖.
            Parallel.For(0, s, i =>
            {
                if (_decoderNorms[i] == 0 || w.ColumnSum[i] == 0) return;
                var scale = (float)(coefficient * w.ColumnSum[i] / b / _decoderNorms[i]);
                TensorPrimitives.MultiplyAdd(_wDec.AsSpan(i * n, n), scale, _gWDec.AsSpan(i * n, n), _gWDec.AsSpan(i * n, n));
            });
        }
        return (mse, sparsity, active / b);
    }

    /// <summary>
    /// The element-wise passes over [B, S], split by feature columns so per-feature sums need no reduction
    /// across threads. Forward: h += b_enc, f = ReLU(h) or h·1[h &gt; θ], firing counts and Σ_b f.
    /// Backward (δf in Grad): standard δh = (δf + λ‖W_dec,i‖/B)·1[h &gt; 0]; JumpReLU δh = δf·1[h &gt; θ] and the
    /// straight-through θ gradient −(θ/ε)·K((h−θ)/ε)·δf − (c/(Bε))·K((h−θ)/ε), K the rectangle on (−½, ½).
    /// </summary>
    private unsafe void RunColumns(Workspace w, float coefficient, bool forward)
    {
        var rows = w.Rows;
        var s = DSae;
        var jump = Options.Architecture == SaeArchitecture.JumpRelu;
        var bandwidth = Options.Bandwidth;
        var chunks = (s + FeatureChunk - 1) / FeatureChunk;
        fixed (float* pre = w.Pre)
        fixed (float* acts = w.Acts)
        fixed (float* grad = w.Grad)
        {
            var (preP, actsP, gradP) = ((nint)pre, (nint)acts, (nint)grad);
            Parallel.For(0, chunks, c =>
            {
                var h = (float*)preP;
                var f = (float*)actsP;
                var g = (float*)gradP;
                var i0 = c * FeatureChunk;
                var width = Math.Min(FeatureChunk, s - i0);
                Span<float> theta = stackalloc float[width];
                Span<double> thetaGrad = stackalloc double[width];
                Span<double> sum = stackalloc double[width];
                Span<int> count = stackalloc int[width];
                for (var j = 0; j < width; j++) theta[j] = jump ? MathF.Exp(_logThreshold![i0 + j]) : 0f;
                var l1 = Options.Architecture == SaeArchitecture.Standard ? coefficient / rows : 0f;
                var stepGrad = coefficient / ((double)rows * bandwidth);
                for (var r = 0; r < rows; r++)
                {
                    var offset = (long)r * s + i0;
                    var hr = h + offset;
                    var fr = f + offset;
                    var gr = g + offset;
                    if (forward)
                    {
                        for (var j = 0; j < width; j++)
                        {
                            var value = hr[j] + _bEnc[i0 + j];
                            hr[j] = value;
                            var on = value > theta[j];
                            var fv = on ? value : 0f;
                            fr[j] = fv;
                            count[j] += on ? 1 : 0;
                            sum[j] += fv;
                        }
                    }
                    else if (!jump)
                    {
                        for (var j = 0; j < width; j++)
                        {
                            var dh = hr[j] > 0f ? gr[j] + l1 * _decoderNorms[i0 + j] : 0f;
                            gr[j] = dh;
                            sum[j] += dh;
                        }
                    }
                    else
                    {
                        for (var j = 0; j < width; j++)
                        {
                            var value = hr[j];
                            var t = theta[j];
                            var df = gr[j];
                            var u = (value - t) / bandwidth;
                            if (u > -0.5f && u < 0.5f) thetaGrad[j] += -(t / bandwidth) * df - stepGrad;
                            var dh = value > t ? df : 0f;
                            gr[j] = dh;
                            sum[j] += dh;
                        }
                    }
                }
                for (var j = 0; j < width; j++)
                {
                    var i = i0 + j;
                    if (forward)
                    {
                        _activeInBatch[i] = count[j];
                        w.ColumnSum[i] = sum[j];
                    }
                    else
                    {
                        _gBEnc[i] = (float)sum[j];
                        if (jump) _gLogThreshold![i] = (float)(thetaGrad[j] * theta[j]);   // ∂/∂log θ = θ·∂/∂θ
                    }
                }
            });
        }
    }

    /// <summary>x̂ += b_dec; per row SSE; δx̂ = 2(x̂ − x)/B. Returns mean_b SSE_b.</summary>
    private double ReconstructionError(ReadOnlySpan<float> x, Workspace w)
    {
        var rows = w.Rows;
        var n = DIn;
        unsafe
        {
            fixed (float* px = x)
            {
                var xp = (nint)px;
                Parallel.For(0, rows, r => RowError(new ReadOnlySpan<float>((float*)xp + (long)r * n, n), w, r));
            }
        }
        double total = 0;
        for (var r = 0; r < rows; r++) total += w.RowSse[r];
        return total / rows;
    }

    private void RowError(ReadOnlySpan<float> x, Workspace w, int r)
    {
        var n = DIn;
        var recon = w.Recon.AsSpan(r * n, n);
        var d = w.DRecon.AsSpan(r * n, n);
        TensorPrimitives.Add(recon, _bDec, recon);
        TensorPrimitives.Subtract(recon, x, d);
        double sse = 0;
        foreach (var e in d) sse += (double)e * e;
        w.RowSse[r] = sse;
        TensorPrimitives.Multiply(d, 2f / w.Rows, d);
    }

    /// <summary>∂b_dec = Σ_b δx̂_b − W_enc·∂b_enc: b_dec enters the decoder output and, negated, the encoder input.</summary>
    private void DecoderBiasGradient(Workspace w)
    {
        int rows = w.Rows, n = DIn, s = DSae;
        Parallel.For(0, n, d =>
        {
            double sum = 0;
            for (var r = 0; r < rows; r++) sum += w.DRecon[(long)r * n + d];
            sum -= TensorPrimitives.Dot(_wEnc.AsSpan(d * s, s), _gBEnc);
            _gBDec[d] = (float)sum;
        });
    }

    /// <summary>Buffers for one batch size, allocated once.</summary>
    private sealed class Workspace
    {
        public Workspace(int rows, int dIn, int dSae, int k, bool sparse)
        {
            Rows = rows;
            Centered = new float[rows * dIn];
            CenteredT = new float[rows * dIn];
            Recon = new float[rows * dIn];
            DRecon = new float[rows * dIn];
            DReconT = new float[rows * dIn];
            RowSse = new double[rows];
            Pre = new float[checked(rows * dSae)];
            ColumnSum = new double[dSae];
            Scratch = new float[checked(dIn * dSae)];
            if (sparse)
            {
                Index = new int[rows * k];
                Value = new float[rows * k];
                DPre = new float[rows * k];
                Start = new int[dSae + 1];
                Entries = new int[rows * k];
            }
            else
            {
                Acts = new float[rows * dSae];
                Grad = new float[rows * dSae];
            }
        }

        public int Rows { get; }
        public float[] Centered { get; }      // [B, I] x′ = x − b_dec
        public float[] CenteredT { get; }     // [I, B]
        public float[] Recon { get; }         // [B, I] x̂
        public float[] DRecon { get; }        // [B, I] δx̂
        public float[] DReconT { get; }       // [I, B]
        public double[] RowSse { get; }       // [B]
        public float[] Pre { get; }           // [B, S] h
        public double[] ColumnSum { get; }    // [S] Σ_b f (forward), Σ_b δh (backward)
        public float[] Scratch { get; }       // [I, S] ∂W_decᵀ (dense) or [S, I] ∂W_encᵀ (TopK)
        public float[]? Acts { get; }         // [B, S] f (dense)
        public float[]? Grad { get; }         // [B, S] δf then δh (dense)
        public int[]? Index { get; }          // [B, k] TopK feature indexes
        public float[]? Value { get; }        // [B, k] TopK activations
        public float[]? DPre { get; }         // [B, k] TopK δh
        public int[]? Start { get; }          // [S + 1] TopK entries of feature i: Entries[Start[i]..Start[i+1]]
        public int[]? Entries { get; }        // [B·k] b·k + j, grouped by feature, rows ascending
    }
}
