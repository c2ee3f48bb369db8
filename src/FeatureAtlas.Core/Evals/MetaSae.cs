using FeatureAtlas.Core.Kernels;

namespace FeatureAtlas.Core.Evals;

/// <summary>
/// SAEBench's <c>decoder_fraction_variance_explained</c>: a small BatchTopK SAE (the meta-SAE) trained on an SAE's
/// decoder rows, and the share of those rows' variance it explains, 1 − Σ‖w − ŵ‖² ÷ Σ‖w − w̄‖². High means decoder
/// directions share structure (compose from common parts); Matryoshka SAEs score lower than BatchTopK ones.
/// Shapes: S rows of the SAE's decoder, D = d_in, M = ⌈S·ratio⌉ meta-latents, B rows a step.
/// Deterministic without a random generator, so an independent script can follow it exactly
/// (tests/reference/make_meta_sae_golden.py): the meta-decoder starts as the unit-normalised input rows
/// ⌊j·S/M⌋, the encoder as its transpose, b_enc 0, b_dec the mean row; step t takes rows (t·B + i)·P mod S
/// (P the first prime ≥ 7919 that does not divide S: every row equally often, in scattered order). A step:
/// pre = (w − b_dec)·W_enc + b_enc, f = ReLU(pre) keeping only the B·K largest values of the batch (BatchTopK),
/// ŵ = f·W_dec + b_dec, loss = Σ‖ŵ − w‖² ÷ B, Adam (β 0.9, 0.999, ε 1e−8), then meta-decoder rows back to unit norm.
/// The score encodes all S rows as one batch (S·K values kept).
/// </summary>
public static class MetaSae
{
    /// <summary>The fraction of variance of <paramref name="decoder"/> [S, D] that the trained meta-SAE explains, and its final training loss.</summary>
    public static (double FractionVarianceExplained, double LastLoss) Evaluate(ReadOnlySpan<float> decoder, int rows, int dIn, MetaSaeOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dIn);
        if (decoder.Length != (long)rows * dIn) throw new ArgumentException($"The decoder has {decoder.Length} values; {rows} rows of {dIn} need {(long)rows * dIn}.", nameof(decoder));
        var w = decoder.ToArray();
        int s = rows, d = dIn, m = (int)Math.Ceiling(rows * options.WidthRatio), b = options.BatchSize;

        var wDec = new float[m * d];     // [M, D]
        var wEnc = new float[d * m];     // [D, M]
        var bEnc = new float[m];         // [M]
        var bDec = new float[d];         // [D]
        for (var j = 0; j < m; j++)
        {
            var row = (int)((long)j * s / m);
            w.AsSpan(row * d, d).CopyTo(wDec.AsSpan(j * d, d));
        }
        NormalizeRows(wDec, m, d);
        for (var j = 0; j < m; j++)
        {
            for (var i = 0; i < d; i++) wEnc[i * m + j] = wDec[j * d + i];
        }
        for (var r = 0; r < s; r++)
        {
            for (var i = 0; i < d; i++) bDec[i] += w[r * d + i];
        }
        for (var i = 0; i < d; i++) bDec[i] /= s;

        var stride = Stride(s);
        var batch = new float[b * d];
        var state = new Buffers(b, d, m);
        var adam = new[] { new Moments(wEnc.Length), new Moments(bEnc.Length), new Moments(wDec.Length), new Moments(bDec.Length) };
        var lastLoss = double.NaN;
        for (var t = 0; t < options.Steps; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var i = 0; i < b; i++)
            {
                var row = (int)((((long)t * b + i) % s) * stride % s);
                w.AsSpan(row * d, d).CopyTo(batch.AsSpan(i * d, d));
            }
            lastLoss = Step(batch, b, d, m, options.K, wEnc, bEnc, wDec, bDec, state, adam, t + 1, (float)options.LearningRate);
            NormalizeRows(wDec, m, d);
            progress?.Report(t + 1);
        }

        var all = new Buffers(s, d, m);
        Forward(w, s, d, m, options.K, wEnc, bEnc, wDec, bDec, all);
        double sse = 0, total = 0;
        var mean = new double[d];
        for (var r = 0; r < s; r++)
        {
            for (var i = 0; i < d; i++) mean[i] += w[r * d + i];
        }
        for (var i = 0; i < d; i++) mean[i] /= s;
        for (var r = 0; r < s; r++)
        {
            for (var i = 0; i < d; i++)
            {
                var x = w[r * d + i];
                var e = all.Reconstruction[r * d + i] - (double)x;
                sse += e * e;
                total += (x - mean[i]) * (x - mean[i]);
            }
        }
        return (total > 0 ? 1 - sse / total : double.NaN, lastLoss);
    }

    /// <summary>The first prime ≥ 7919 that does not divide <paramref name="rows"/>.</summary>
    internal static long Stride(int rows)
    {
        for (long p = 7919; ; p++)
        {
            if (IsPrime(p) && rows % p != 0) return p;
        }

        static bool IsPrime(long n)
        {
            for (long q = 2; q * q <= n; q++)
            {
                if (n % q == 0) return false;
            }
            return true;
        }
    }

    private static double Step(float[] x, int b, int d, int m, int k, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec, Buffers z, Moments[] adam, int t, float lr)
    {
        Forward(x, b, d, m, k, wEnc, bEnc, wDec, bDec, z);
        double loss = 0;
        var scale = 2f / b;
        for (var i = 0; i < b * d; i++)
        {
            var r = z.Reconstruction[i] - x[i];
            loss += (double)r * r;
            z.GradOut[i] = scale * r;                       // dL/dŵ [B, D]
        }
        // dW_dec = fᵀ·g [M, D]; df = g·W_decᵀ [B, M], kept entries only.
        Transpose(z.Features, b, m, z.FeaturesT);
        Sgemm.Multiply(z.FeaturesT, z.GradOut, z.GradWDec, m, b, d);
        Sgemm.Multiply(z.GradOut, wDec, z.GradPre, b, d, m, transposeB: true);
        for (var i = 0; i < b * m; i++)
        {
            if (z.Features[i] == 0) z.GradPre[i] = 0;
        }
        // dW_enc = (w − b_dec)ᵀ·dpre [D, M]; db_enc = Σ_b dpre; db_dec = Σ_b g − W_enc·db_enc.
        Transpose(z.Centered, b, d, z.CenteredT);
        Sgemm.Multiply(z.CenteredT, z.GradPre, z.GradWEnc, d, b, m);
        Array.Clear(z.GradBEnc);
        Array.Clear(z.GradBDec);
        for (var r = 0; r < b; r++)
        {
            for (var j = 0; j < m; j++) z.GradBEnc[j] += z.GradPre[r * m + j];
            for (var i = 0; i < d; i++) z.GradBDec[i] += z.GradOut[r * d + i];
        }
        for (var i = 0; i < d; i++)
        {
            double through = 0;
            for (var j = 0; j < m; j++) through += (double)wEnc[i * m + j] * z.GradBEnc[j];
            z.GradBDec[i] -= (float)through;
        }
        Adam(wEnc, z.GradWEnc, adam[0], t, lr);
        Adam(bEnc, z.GradBEnc, adam[1], t, lr);
        Adam(wDec, z.GradWDec, adam[2], t, lr);
        Adam(bDec, z.GradBDec, adam[3], t, lr);
        return loss / b;
    }

    /// <summary>Encodes <paramref name="x"/> [B, D] with BatchTopK (B·K values kept) and reconstructs it.</summary>
    private static void Forward(float[] x, int b, int d, int m, int k, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec, Buffers z)
    {
        for (var r = 0; r < b; r++)
        {
            for (var i = 0; i < d; i++) z.Centered[r * d + i] = x[r * d + i] - bDec[i];
        }
        Sgemm.Multiply(z.Centered, wEnc, z.Features, b, d, m);
        for (var r = 0; r < b; r++)
        {
            for (var j = 0; j < m; j++) z.Features[r * m + j] = Math.Max(0f, z.Features[r * m + j] + bEnc[j]);
        }
        var keep = Math.Min((long)b * k, (long)b * m);
        var threshold = KthLargest(z.Features, z.Scratch, (int)keep);
        for (var i = 0; i < b * m; i++)
        {
            if (z.Features[i] < threshold || z.Features[i] <= 0) z.Features[i] = 0;
        }
        Sgemm.Multiply(z.Features, wDec, z.Reconstruction, b, m, d);
        for (var r = 0; r < b; r++)
        {
            for (var i = 0; i < d; i++) z.Reconstruction[r * d + i] += bDec[i];
        }
    }

    /// <summary>The <paramref name="k"/>-th largest value (1-based) by quickselect on a copy.</summary>
    internal static float KthLargest(ReadOnlySpan<float> values, float[] scratch, int k)
    {
        var a = scratch.AsSpan(0, values.Length);
        values.CopyTo(a);
        int lo = 0, hi = a.Length - 1, target = k - 1;
        while (lo < hi)
        {
            var pivot = a[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] > pivot) i++;
                while (a[j] < pivot) j--;
                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else break;
        }
        return a[target];
    }

    private static void Adam(float[] p, float[] g, Moments s, int t, float lr)
    {
        const float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
        Training.AdamW.Update(p, g, s.M, s.V, t, lr, beta1, beta2, epsilon, weightDecay: 0);
    }

    private static void NormalizeRows(float[] matrix, int rows, int columns)
    {
        for (var r = 0; r < rows; r++)
        {
            var row = matrix.AsSpan(r * columns, columns);
            var norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row));
            if (norm > 0) System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
        }
    }

    private static void Transpose(float[] source, int rows, int columns, float[] destination)
    {
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++) destination[c * rows + r] = source[r * columns + c];
        }
    }

    private sealed class Moments(int length)
    {
        public float[] M { get; } = new float[length];

        public float[] V { get; } = new float[length];
    }

    private sealed class Buffers(int b, int d, int m)
    {
        public float[] Centered { get; } = new float[b * d];          // [B, D]
        public float[] CenteredT { get; } = new float[d * b];         // [D, B]
        public float[] Features { get; } = new float[b * m];          // [B, M]
        public float[] FeaturesT { get; } = new float[m * b];         // [M, B]
        public float[] Scratch { get; } = new float[b * m];
        public float[] Reconstruction { get; } = new float[b * d];    // [B, D]
        public float[] GradOut { get; } = new float[b * d];
        public float[] GradPre { get; } = new float[b * m];
        public float[] GradWDec { get; } = new float[m * d];
        public float[] GradWEnc { get; } = new float[d * m];
        public float[] GradBEnc { get; } = new float[m];
        public float[] GradBDec { get; } = new float[d];
    }
}
