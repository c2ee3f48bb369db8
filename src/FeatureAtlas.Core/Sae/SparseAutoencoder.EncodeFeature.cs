using System.Buffers;
using FeatureAtlas.Core.Kernels;

namespace FeatureAtlas.Core.Sae;

public sealed partial class SparseAutoencoder
{
    /// <summary>
    /// One feature's activations f[:, <paramref name="feature"/>] [N] for x [N, I], equal bit for bit to that column of
    /// <see cref="Encode(ReadOnlySpan{float}, int, Span{float})"/>. Standard, JumpReLU and gated SAEs compute only
    /// the feature's encoder column (N·I multiply-adds instead of N·I·S: ~24,576× less at S = 24,576); TopK
    /// needs every pre-activation to know whether the feature is among the k largest, so it encodes fully.
    /// </summary>
    public void EncodeFeature(ReadOnlySpan<float> x, int rows, int feature, Span<float> activations)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(feature);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(feature, DSae);
        CheckLength(x, (long)rows * DIn, nameof(x));
        CheckLength(activations, rows, nameof(activations));
        if (rows == 0) return;
        if (Config.Architecture == SaeArchitecture.TopK)
        {
            EncodeFeatureFromFullEncode(x, rows, feature, activations);
            return;
        }

        var input = ArrayPool<float>.Shared.Rent(rows * DIn + DIn + rows);
        try
        {
            var sae = input.AsSpan(0, rows * DIn);
            var column = input.AsSpan(rows * DIn, DIn);
            var h = activations[..rows];
            Preprocess(x, rows, sae, stats: default);
            var p = Parameters;
            switch (Config.Architecture)
            {
                case SaeArchitecture.Standard:
                    EncoderColumn(p.WEnc, feature, 1f, column);
                    PreActivation(sae, rows, column, p.BEnc, feature, h);
                    for (var r = 0; r < rows; r++) h[r] = MathF.Max(h[r], 0f);
                    break;
                case SaeArchitecture.JumpRelu:
                    EncoderColumn(p.WEnc, feature, 1f, column);
                    PreActivation(sae, rows, column, p.BEnc, feature, h);
                    var theta = p.Threshold![feature];
                    for (var r = 0; r < rows; r++)
                    {
                        if (!(h[r] > theta) || h[r] < 0f) h[r] = 0f;
                    }
                    break;
                case SaeArchitecture.Gated:
                {
                    var gate = input.AsSpan(rows * DIn + DIn, rows);
                    EncoderColumn(p.WEnc, feature, 1f, column);
                    PreActivation(sae, rows, column, p.BGate, feature, gate);
                    // The same product PackMagnitude packs, so the magnitude path rounds identically.
                    EncoderColumn(p.WEnc, feature, MathF.Exp(p.RMag![feature]), column);
                    PreActivation(sae, rows, column, p.BMag, feature, h);
                    for (var r = 0; r < rows; r++) h[r] = gate[r] > 0f ? MathF.Max(h[r], 0f) : 0f;
                    break;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(input);
        }
    }

    private void EncodeFeatureFromFullEncode(ReadOnlySpan<float> x, int rows, int feature, Span<float> activations)
    {
        var all = ArrayPool<float>.Shared.Rent(rows * DSae);
        try
        {
            Encode(x, rows, all.AsSpan(0, rows * DSae));
            for (var r = 0; r < rows; r++) activations[r] = all[r * DSae + feature];
        }
        finally
        {
            ArrayPool<float>.Shared.Return(all);
        }
    }

    /// <summary>W_enc[:, feature] (times <paramref name="scale"/>, gated's exp(r_mag)) into a contiguous [I] column.</summary>
    private void EncoderColumn(float[] wEnc, int feature, float scale, Span<float> column)
    {
        for (var j = 0; j < DIn; j++) column[j] = scale == 1f ? wEnc[j * DSae + feature] : wEnc[j * DSae + feature] * scale;
    }

    /// <summary>
    /// h [N] = x′ · column + bias[feature], through the same SGEMM micro-kernel as the full encode: it starts each
    /// accumulator at 0 + bias and adds the products by FMA in K order, so seeding C with 0 + bias and
    /// accumulating reproduces the full encode's rounding exactly.
    /// </summary>
    private void PreActivation(ReadOnlySpan<float> sae, int rows, ReadOnlySpan<float> column, float[]? bias, int feature, Span<float> h)
    {
        h[..rows].Fill(0f + (bias is null ? 0f : bias[feature]));
        Sgemm.Multiply(sae, column, h, rows, DIn, 1, accumulate: true);
    }
}
