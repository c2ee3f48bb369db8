using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Training;

public sealed partial class SaeTrainer
{
    // Features per chunk of the column passes: 256 floats of each of 3-4 rows streams stay in L1 per row.
    private const int FeatureChunk = 256;

    /// <summary>
    /// Forward and backward on x [rows, I] at the current parameters: fills the gradient arrays and the batch's
    /// firing counts, and returns (loss, MSE part, sparsity part, AuxK part, L0).
    /// Loss = mean_b Σ_d (x̂ − x)² + sparsity + AuxK (TopK with dead features only).
    /// </summary>
    internal (double Loss, double Mse, double Sparsity, double Aux, double L0) ComputeGradients(ReadOnlySpan<float> x, int rows) => ComputeGradients(x, x, rows);

    /// <summary>
    /// As <see cref="ComputeGradients(ReadOnlySpan{float}, int)"/> with a separate reconstruction target [rows, I]: a
    /// transcoder's (<see cref="SaeTrainingOptions.Transcoder"/>), whose encoder also reads x without subtracting b_dec.
    /// </summary>
    internal (double Loss, double Mse, double Sparsity, double Aux, double L0) ComputeGradients(ReadOnlySpan<float> x, ReadOnlySpan<float> target, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        if (x.Length != (long)rows * DIn) throw new ArgumentException($"x needs [{rows}, {DIn}] = {(long)rows * DIn} values, has {x.Length}.", nameof(x));
        if (target.Length != x.Length) throw new ArgumentException($"The target needs [{rows}, {DIn}] = {(long)rows * DIn} values, has {target.Length}.", nameof(target));
        var sparse = Options.Architecture == SaeArchitecture.TopK;
        var w = _work is { } existing && existing.Rows == rows ? existing : _work = new Workspace(rows, DIn, DSae, Options.K, sparse);
        if (Options.Architecture == SaeArchitecture.Standard) TrainingKernels.RowNorms(_wDec, DSae, DIn, _decoderNorms);
        if (Options.Transcoder) x.CopyTo(w.Centered);
        else for (var r = 0; r < rows; r++) TensorPrimitives.Subtract(x.Slice(r * DIn, DIn), _bDec, w.Centered.AsSpan(r * DIn, DIn));
        Sgemm.Multiply(w.Centered, _wEnc, w.Pre, rows, DIn, DSae);                          // h = x′·W_enc (b_enc added next)
        var coefficient = Options.SparsityCoefficientAt(Step);
        var (mse, sparsity, aux, l0) = sparse ? SparseBackward(target, w) : DenseBackward(target, w, coefficient);
        DecoderBiasGradient(w);
        return (mse + sparsity + aux, mse, sparsity, aux, l0);
    }

    private (double Mse, double Sparsity, double Aux, double L0) DenseBackward(ReadOnlySpan<float> x, Workspace w, float coefficient)
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
        return (mse, sparsity, 0, active / b);
    }

    /// <summary>
    /// The element-wise passes over [B, S], in tiles of <see cref="RowBlock"/> rows × <see cref="ColumnBlock"/>
    /// features, vectorised; per-feature sums go to per-row-block partials that are added in a fixed order, so
    /// results do not depend on scheduling. Forward: h += b_enc, f = ReLU(h) or h·1[h &gt; θ], firing counts and
    /// Σ_b f. Backward (δf in Grad): standard δh = (δf + λ‖W_dec,i‖/B)·1[h &gt; 0]; JumpReLU δh = δf·1[h &gt; θ]
    /// and the straight-through θ gradient −(θ/ε)·K((h−θ)/ε)·δf − (c/(Bε))·K((h−θ)/ε), K the rectangle on (−½, ½).
    /// Row-major tiles replaced a column-strided pass that cost as much as a GEMM (2.1 s of a 16 s step at B 4096).
    /// </summary>
    private unsafe void RunColumns(Workspace w, float coefficient, bool forward)
    {
        var rows = w.Rows;
        var s = DSae;
        var jump = Options.Architecture == SaeArchitecture.JumpRelu;
        var rowBlocks = (rows + RowBlock - 1) / RowBlock;
        var columnBlocks = (s + ColumnBlock - 1) / ColumnBlock;
        w.EnsurePartials(rowBlocks, s);
        var theta = w.Theta;
        if (jump)
        {
            for (var i = 0; i < s; i++) theta[i] = MathF.Exp(_logThreshold![i]);
        }
        else
        {
            Array.Clear(theta);
        }
        var bandwidth = Options.Bandwidth;
        var l1 = Options.Architecture == SaeArchitecture.Standard ? coefficient / rows : 0f;
        var stepGrad = coefficient / (rows * bandwidth);

        Parallel.For(0, rowBlocks * columnBlocks, item =>
        {
            var rb = item / columnBlocks;
            var i0 = item % columnBlocks * ColumnBlock;
            var width = Math.Min(ColumnBlock, s - i0);
            var r0 = rb * RowBlock;
            var r1 = Math.Min(rows, r0 + RowBlock);
            var count = w.PartialCount.AsSpan(rb * s + i0, width);
            var sum = w.PartialSum.AsSpan(rb * s + i0, width);
            var thetaSum = w.PartialTheta.AsSpan(rb * s + i0, width);
            count.Clear();
            sum.Clear();
            thetaSum.Clear();
            var t = theta.AsSpan(i0, width);
            for (var r = r0; r < r1; r++)
            {
                var offset = r * s + i0;
                var h = w.Pre.AsSpan(offset, width);
                if (forward)
                {
                    ForwardRow(h, _bEnc.AsSpan(i0, width), t, w.Acts!.AsSpan(offset, width), count, sum);
                }
                else if (!jump)
                {
                    StandardBackwardRow(h, _decoderNorms.AsSpan(i0, width), l1, w.Grad!.AsSpan(offset, width), sum);
                }
                else
                {
                    JumpBackwardRow(h, t, bandwidth, stepGrad, w.Grad!.AsSpan(offset, width), sum, thetaSum);
                }
            }
        });

        Parallel.For(0, (s + ColumnBlock - 1) / ColumnBlock, c =>
        {
            for (var i = c * ColumnBlock; i < Math.Min(s, (c + 1) * ColumnBlock); i++)
            {
                double total = 0, thetaTotal = 0;
                var fired = 0;
                for (var rb = 0; rb < rowBlocks; rb++)
                {
                    total += w.PartialSum[rb * s + i];
                    thetaTotal += w.PartialTheta[rb * s + i];
                    fired += w.PartialCount[rb * s + i];
                }
                if (forward)
                {
                    _activeInBatch[i] = fired;
                    w.ColumnSum[i] = total;
                }
                else
                {
                    _gBEnc[i] = (float)total;
                    if (jump) _gLogThreshold![i] = (float)(thetaTotal * theta[i]);   // ∂/∂log θ = θ·∂/∂θ
                }
            }
        });
    }

    private const int RowBlock = 32;
    private const int ColumnBlock = 2048;

    private static void ForwardRow(Span<float> h, ReadOnlySpan<float> bias, ReadOnlySpan<float> theta, Span<float> f, Span<int> count, Span<float> sum)
    {
        var j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var hv = MemoryMarshal.Cast<float, Vector<float>>(h);
            var bv = MemoryMarshal.Cast<float, Vector<float>>(bias);
            var tv = MemoryMarshal.Cast<float, Vector<float>>(theta);
            var fv = MemoryMarshal.Cast<float, Vector<float>>(f);
            var cv = MemoryMarshal.Cast<int, Vector<int>>(count);
            var sv = MemoryMarshal.Cast<float, Vector<float>>(sum);
            for (var v = 0; v < hv.Length; v++)
            {
                var value = hv[v] + bv[v];
                hv[v] = value;
                var on = Vector.GreaterThan(value, tv[v]);
                var act = Vector.ConditionalSelect(on, value, Vector<float>.Zero);
                fv[v] = act;
                cv[v] -= on;   // true lanes are −1
                sv[v] += act;
            }
            j = hv.Length * Vector<float>.Count;
        }
        for (; j < h.Length; j++)
        {
            var value = h[j] + bias[j];
            h[j] = value;
            var act = value > theta[j] ? value : 0f;
            f[j] = act;
            count[j] += value > theta[j] ? 1 : 0;
            sum[j] += act;
        }
    }

    private static void StandardBackwardRow(ReadOnlySpan<float> h, ReadOnlySpan<float> norms, float l1, Span<float> g, Span<float> sum)
    {
        var j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var hv = MemoryMarshal.Cast<float, Vector<float>>(h);
            var nv = MemoryMarshal.Cast<float, Vector<float>>(norms);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
            var sv = MemoryMarshal.Cast<float, Vector<float>>(sum);
            var l1v = new Vector<float>(l1);
            for (var v = 0; v < hv.Length; v++)
            {
                var dh = Vector.ConditionalSelect(Vector.GreaterThan(hv[v], Vector<float>.Zero), gv[v] + l1v * nv[v], Vector<float>.Zero);
                gv[v] = dh;
                sv[v] += dh;
            }
            j = hv.Length * Vector<float>.Count;
        }
        for (; j < h.Length; j++)
        {
            var dh = h[j] > 0f ? g[j] + l1 * norms[j] : 0f;
            g[j] = dh;
            sum[j] += dh;
        }
    }

    private static void JumpBackwardRow(ReadOnlySpan<float> h, ReadOnlySpan<float> theta, float bandwidth, float stepGrad, Span<float> g, Span<float> sum, Span<float> thetaSum)
    {
        var j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var hv = MemoryMarshal.Cast<float, Vector<float>>(h);
            var tv = MemoryMarshal.Cast<float, Vector<float>>(theta);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
            var sv = MemoryMarshal.Cast<float, Vector<float>>(sum);
            var ts = MemoryMarshal.Cast<float, Vector<float>>(thetaSum);
            var inverse = new Vector<float>(1f / bandwidth);
            var half = new Vector<float>(0.5f);
            var step = new Vector<float>(stepGrad);
            for (var v = 0; v < hv.Length; v++)
            {
                var value = hv[v];
                var t = tv[v];
                var df = gv[v];
                var u = (value - t) / new Vector<float>(bandwidth);
                var kernel = Vector.LessThan(Vector.Abs(u), half);
                ts[v] += Vector.ConditionalSelect(kernel, -(t * inverse) * df - step, Vector<float>.Zero);
                var dh = Vector.ConditionalSelect(Vector.GreaterThan(value, t), df, Vector<float>.Zero);
                gv[v] = dh;
                sv[v] += dh;
            }
            j = hv.Length * Vector<float>.Count;
        }
        for (; j < h.Length; j++)
        {
            var value = h[j];
            var t = theta[j];
            var df = g[j];
            var u = (value - t) / bandwidth;
            if (u > -0.5f && u < 0.5f) thetaSum[j] += -(t / bandwidth) * df - stepGrad;
            var dh = value > t ? df : 0f;
            g[j] = dh;
            sum[j] += dh;
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

    /// <summary>
    /// ∂b_dec = Σ_b δx̂_b − W_enc·∂b_enc: b_dec enters the decoder output and, negated, the encoder input (∂b_enc holds
    /// the AuxK loss's δh too; AuxK's own reconstruction has no b_dec). A transcoder's encoder does not read b_dec.
    /// </summary>
    private void DecoderBiasGradient(Workspace w)
    {
        int rows = w.Rows, n = DIn, s = DSae;
        Parallel.For(0, n, d =>
        {
            double sum = 0;
            for (var r = 0; r < rows; r++) sum += w.DRecon[(long)r * n + d];
            if (!Options.Transcoder) sum -= TensorPrimitives.Dot(_wEnc.AsSpan(d * s, s), _gBEnc);
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
                Cursor = new int[dSae];
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
        public int[]? Cursor { get; }         // [S] TopK fill position per feature while grouping
        public int[]? Entries { get; }        // [B·k] b·k + j, grouped by feature, rows ascending
        public float[] Theta { get; private set; } = [];          // [S] θ (0 for ReLU)
        public int[] PartialCount { get; private set; } = [];     // [row blocks, S]
        public float[] PartialSum { get; private set; } = [];     // [row blocks, S]
        public float[] PartialTheta { get; private set; } = [];   // [row blocks, S]

        public void EnsurePartials(int rowBlocks, int dSae)
        {
            if (PartialSum.Length == rowBlocks * dSae) return;
            Theta = new float[dSae];
            PartialCount = new int[rowBlocks * dSae];
            PartialSum = new float[rowBlocks * dSae];
            PartialTheta = new float[rowBlocks * dSae];
        }
    }
}
