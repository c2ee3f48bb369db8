using System.Numerics.Tensors;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Training;

public sealed partial class SaeTrainer
{
    [ThreadStatic] private static float[]? t_selectScratch;

    /// <summary>
    /// TopK forward and backward with the decoder, δf and both weight gradients computed sparsely: per row
    /// only k of S features are non-zero, so x̂, δh and the gradient rows cost B·k·I instead of B·S·I each
    /// (PyTorch scatters f into a dense [B, S] tensor and runs every product densely). Only h = x′·W_enc is a GEMM.
    /// </summary>
    private unsafe (double Mse, double Sparsity, double L0) SparseBackward(ReadOnlySpan<float> x, Workspace w)
    {
        int rows = w.Rows, n = DIn, s = DSae, k = Options.K;
        fixed (float* px = x)
        {
            var xp = (nint)px;
            Parallel.For(0, rows, r =>
            {
                var h = w.Pre.AsSpan(r * s, s);
                TensorPrimitives.Add(h, _bEnc, h);
                var index = w.Index.AsSpan(r * k, k);
                var value = w.Value.AsSpan(r * k, k);
                SelectLargest(h, index, value);
                var recon = w.Recon.AsSpan(r * n, n);
                recon.Clear();
                for (var j = 0; j < k; j++)
                {
                    if (value[j] > 0f) TensorPrimitives.MultiplyAdd(_wDec.AsSpan(index[j] * n, n), value[j], recon, recon);
                }
                RowError(new ReadOnlySpan<float>((float*)xp + (long)r * n, n), w, r);
                var dRecon = w.DRecon.AsSpan(r * n, n);
                var dPre = w.DPre.AsSpan(r * k, k);
                for (var j = 0; j < k; j++) dPre[j] = value[j] > 0f ? TensorPrimitives.Dot(dRecon, _wDec.AsSpan(index[j] * n, n)) : 0f;
            });
        }
        double total = 0;
        for (var r = 0; r < rows; r++) total += w.RowSse[r];

        // Group the non-zero entries by feature (a stable counting sort keeps rows ascending, so sums are deterministic).
        var start = w.Start!;
        Array.Clear(start);
        Array.Clear(_activeInBatch);
        for (var e = 0; e < rows * k; e++)
        {
            if (w.Value![e] > 0f) _activeInBatch[w.Index![e]]++;
        }
        for (var i = 0; i < s; i++) start[i + 1] = start[i] + _activeInBatch[i];
        var fill = w.ColumnSum;                    // reused as a per-feature cursor
        for (var i = 0; i < s; i++) fill[i] = start[i];
        for (var e = 0; e < rows * k; e++)
        {
            if (w.Value![e] > 0f) w.Entries![(int)fill[w.Index![e]]++] = e;
        }

        var gEncT = w.Scratch;                     // [S, I]
        Parallel.For(0, (s + FeatureChunk - 1) / FeatureChunk, c =>
        {
            for (var i = c * FeatureChunk; i < Math.Min(s, (c + 1) * FeatureChunk); i++)
            {
                var gDec = _gWDec.AsSpan(i * n, n);
                var gEnc = gEncT.AsSpan(i * n, n);
                gDec.Clear();
                gEnc.Clear();
                double bias = 0;
                for (var p = start[i]; p < start[i + 1]; p++)
                {
                    var e = w.Entries![p];
                    var r = e / k;
                    var dh = w.DPre![e];
                    TensorPrimitives.MultiplyAdd(w.DRecon.AsSpan(r * n, n), w.Value![e], gDec, gDec);   // ∂W_dec,i = Σ_b f_bi δx̂_b
                    TensorPrimitives.MultiplyAdd(w.Centered.AsSpan(r * n, n), dh, gEnc, gEnc);          // ∂W_enc[:, i] = Σ_b δh_bi x′_b
                    bias += dh;
                }
                _gBEnc[i] = (float)bias;
            }
        });
        TrainingKernels.Transpose(gEncT, s, n, _gWEnc);

        double active = 0;
        for (var i = 0; i < s; i++) active += _activeInBatch[i];
        return (total / rows, 0, active / rows);
    }

    /// <summary>
    /// The k largest entries of <paramref name="h"/> in ascending index order (ties at the k-th value keep the
    /// lowest indexes, as <see cref="TopK.KeepLargest"/>), with ReLU applied to the values.
    /// </summary>
    private static void SelectLargest(ReadOnlySpan<float> h, Span<int> index, Span<float> value)
    {
        var k = index.Length;
        var scratch = (t_selectScratch is { } buffer && buffer.Length >= h.Length ? buffer : t_selectScratch = new float[h.Length]).AsSpan(0, h.Length);
        h.CopyTo(scratch);
        var kth = TopK.Select(scratch, k - 1);
        var above = 0;
        foreach (var v in h) if (v > kth) above++;
        var ties = k - above;
        var j = 0;
        for (var i = 0; i < h.Length && j < k; i++)
        {
            var v = h[i];
            if (v > kth || (v == kth && ties-- > 0))
            {
                index[j] = i;
                value[j] = MathF.Max(v, 0f);
                j++;
            }
        }
    }
}
