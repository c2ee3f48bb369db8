using System.Numerics.Tensors;
using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Training;

public sealed partial class SaeTrainer
{
    [ThreadStatic] private static float[]? t_selectScratch;

    /// <summary>
    /// TopK forward and backward with the decoder, δf and both weight gradients computed sparsely: per row
    /// only k of S features are non-zero, so x̂, δh and the gradient rows cost B·k·I instead of B·S·I each
    /// (PyTorch scatters f into a dense [B, S] tensor and runs every product densely). Only h = x′·W_enc is a GEMM.
    /// With dead features the AuxK loss rides along, as sparse again: k_aux more features per row (<see cref="AuxKRow"/>).
    /// </summary>
    private unsafe (double Mse, double Sparsity, double Aux, double L0) SparseBackward(ReadOnlySpan<float> x, Workspace w)
    {
        int rows = w.Rows, n = DIn, s = DSae, k = Options.K;
        var plan = PlanAuxK(rows);
        var aux = plan.Active ? _auxWork : null;
        fixed (float* px = x)
        {
            var xp = (nint)px;
            Parallel.For(0, rows, r =>
            {
                var h = w.Pre.AsSpan(r * s, s);
                TensorPrimitives.Add(h, _bEnc, h);
                var index = w.Index.AsSpan(r * k, k);
                var value = w.Value.AsSpan(r * k, k);
                SelectLargest(h, index, value, relu: true);
                var recon = w.Recon.AsSpan(r * n, n);
                recon.Clear();
                for (var j = 0; j < k; j++)
                {
                    if (value[j] > 0f) TensorPrimitives.MultiplyAdd(_wDec.AsSpan(index[j] * n, n), value[j], recon, recon);
                }
                var row = new ReadOnlySpan<float>((float*)xp + (long)r * n, n);
                RowError(row, w, r);
                var dRecon = w.DRecon.AsSpan(r * n, n);
                var dPre = w.DPre.AsSpan(r * k, k);
                for (var j = 0; j < k; j++) dPre[j] = value[j] > 0f ? TensorPrimitives.Dot(dRecon, _wDec.AsSpan(index[j] * n, n)) : 0f;
                if (aux is not null) AuxKRow(row, w, aux, plan, r);
            });
        }
        double total = 0, auxTotal = 0;
        for (var r = 0; r < rows; r++) total += w.RowSse[r];
        if (aux is not null)
        {
            for (var r = 0; r < rows; r++) auxTotal += aux.RowSse[r];
            GroupByFeature(aux.Index, aux.Value, rows * plan.K, positiveOnly: false, aux.Count, aux.Start, aux.Cursor, aux.Entries);
        }
        GroupByFeature(w.Index!, w.Value!, rows * k, positiveOnly: true, _activeInBatch, w.Start!, w.Cursor!, w.Entries!);

        var start = w.Start!;
        var gEncT = w.Scratch;                     // [S, I]
        var kAux = plan.K;
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
                if (aux is not null)
                {
                    for (var p = aux.Start[i]; p < aux.Start[i + 1]; p++)
                    {
                        var e = aux.Entries[p];
                        var r = e / kAux;
                        var dz = aux.DPre[e];
                        TensorPrimitives.MultiplyAdd(aux.Diff.AsSpan(r * n, n), aux.Value[e], gDec, gDec);  // + Σ_b z_bi δê_b
                        TensorPrimitives.MultiplyAdd(w.Centered.AsSpan(r * n, n), dz, gEnc, gEnc);         // + Σ_b δz_bi x′_b
                        bias += dz;
                    }
                }
                _gBEnc[i] = (float)bias;
            }
        });
        TrainingKernels.Transpose(gEncT, s, n, _gWEnc);

        double active = 0;
        for (var i = 0; i < s; i++) active += _activeInBatch[i];
        return (total / rows, 0, plan.Weight * auxTotal / rows, active / rows);
    }

    /// <summary>
    /// Groups the entries e of [rows, k] selections by feature index[e] (only those with value &gt; 0 when
    /// <paramref name="positiveOnly"/>): count[i] entries of feature i, listed in entries[start[i]..start[i+1]].
    /// A stable counting sort keeps rows ascending, so the per-feature sums that follow are deterministic.
    /// </summary>
    private static void GroupByFeature(int[] index, float[] value, int length, bool positiveOnly, int[] count, int[] start, int[] cursor, int[] entries)
    {
        var s = count.Length;
        Array.Clear(count);
        for (var e = 0; e < length; e++)
        {
            if (!positiveOnly || value[e] > 0f) count[index[e]]++;
        }
        start[0] = 0;
        for (var i = 0; i < s; i++) start[i + 1] = start[i] + count[i];
        Array.Copy(start, cursor, s);
        for (var e = 0; e < length; e++)
        {
            if (!positiveOnly || value[e] > 0f) entries[cursor[index[e]]++] = e;
        }
    }

    /// <summary>
    /// The k largest entries of <paramref name="h"/> in ascending index order (ties at the k-th value keep the
    /// lowest indexes, as <see cref="TopK.KeepLargest"/>), with ReLU applied to the values when <paramref name="relu"/>.
    /// </summary>
    private static void SelectLargest(ReadOnlySpan<float> h, Span<int> index, Span<float> value, bool relu)
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
                value[j] = relu ? MathF.Max(v, 0f) : v;
                j++;
            }
        }
    }
}
