using System.Numerics;
using System.Runtime.InteropServices;

namespace FeatureAtlas.Core.Training;

/// <summary>
/// The element-wise and data-movement kernels of a training step. Each splits its work into fixed chunks run
/// on all cores; results never depend on the thread count (no cross-chunk float reductions).
/// </summary>
internal static class TrainingKernels
{
    // 64 Ki floats per chunk: 256 KB per stream, big enough to amortise the hand-off, small enough to balance.
    private const int Chunk = 1 << 16;

    /// <summary>
    /// One PyTorch Adam step (torch.optim.Adam, non-fused): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
    /// p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε), with <paramref name="step"/> = t counted from 1.
    /// Memory-bound (7 floats of traffic per parameter), so it is one fused pass over all four arrays.
    /// </summary>
    public static void Adam(float[] parameter, float[] gradient, float[] m, float[] v, float lr, float beta1, float beta2, float epsilon, int step)
    {
        if (gradient.Length != parameter.Length || m.Length != parameter.Length || v.Length != parameter.Length)
        {
            throw new ArgumentException("Adam needs parameter, gradient and moments of equal length.");
        }
        var stepSize = (float)(lr / (1 - Math.Pow(beta1, step)));
        var correction2 = (float)(1 / Math.Sqrt(1 - Math.Pow(beta2, step)));
        var chunks = (parameter.Length + Chunk - 1) / Chunk;
        Parallel.For(0, chunks, c =>
        {
            var start = c * Chunk;
            var length = Math.Min(Chunk, parameter.Length - start);
            AdamChunk(parameter.AsSpan(start, length), gradient.AsSpan(start, length), m.AsSpan(start, length), v.AsSpan(start, length),
                stepSize, beta1, beta2, epsilon, correction2);
        });
    }

    private static void AdamChunk(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float stepSize, float beta1, float beta2, float epsilon, float correction2)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var pv = MemoryMarshal.Cast<float, Vector<float>>(p);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
            var mv = MemoryMarshal.Cast<float, Vector<float>>(m);
            var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
            var b1 = new Vector<float>(beta1);
            var a1 = new Vector<float>(1 - beta1);
            var b2 = new Vector<float>(beta2);
            var a2 = new Vector<float>(1 - beta2);
            var c2 = new Vector<float>(correction2);
            var eps = new Vector<float>(epsilon);
            var size = new Vector<float>(stepSize);
            for (var j = 0; j < pv.Length; j++)
            {
                var grad = gv[j];
                var mj = b1 * mv[j] + a1 * grad;
                var vj = b2 * vv[j] + a2 * grad * grad;
                mv[j] = mj;
                vv[j] = vj;
                pv[j] -= size * mj / (Vector.SquareRoot(vj) * c2 + eps);
            }
            i = pv.Length * Vector<float>.Count;
        }
        for (; i < p.Length; i++)
        {
            var grad = g[i];
            m[i] = beta1 * m[i] + (1 - beta1) * grad;
            v[i] = beta2 * v[i] + (1 - beta2) * grad * grad;
            p[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) * correction2 + epsilon);
        }
    }

    /// <summary>destination [cols, rows] = sourceᵀ for a row-major source [rows, cols], in 32×32 tiles so both sides stay in cache.</summary>
    public static void Transpose(ReadOnlySpan<float> source, int rows, int cols, Span<float> destination)
    {
        if (source.Length < (long)rows * cols || destination.Length < (long)rows * cols) throw new ArgumentException("Transpose spans are shorter than their shape.");
        const int Tile = 32;
        unsafe
        {
            fixed (float* ps = source)
            fixed (float* pd = destination)
            {
                var (s, d) = ((nint)ps, (nint)pd);
                var rowTiles = (rows + Tile - 1) / Tile;
                Parallel.For(0, rowTiles, rt =>
                {
                    var src = (float*)s;
                    var dst = (float*)d;
                    var r0 = rt * Tile;
                    var r1 = Math.Min(rows, r0 + Tile);
                    for (var c0 = 0; c0 < cols; c0 += Tile)
                    {
                        var c1 = Math.Min(cols, c0 + Tile);
                        for (var r = r0; r < r1; r++)
                        {
                            for (var c = c0; c < c1; c++) dst[(long)c * rows + r] = src[(long)r * cols + c];
                        }
                    }
                });
            }
        }
    }

    /// <summary>
    /// Removes from each row wᵢ of <paramref name="gradient"/> [S, I] its component along the unit-norm decoder
    /// row (g ← g − (g·w)w), so a step moves along the unit sphere (SAELens remove_gradient_parallel_to_decoder_directions).
    /// </summary>
    public static void RemoveParallelComponent(float[] decoder, float[] gradient, int dSae, int dIn)
    {
        Parallel.For(0, dSae, i =>
        {
            var w = decoder.AsSpan(i * dIn, dIn);
            var g = gradient.AsSpan(i * dIn, dIn);
            var dot = System.Numerics.Tensors.TensorPrimitives.Dot(g, w);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(w, -dot, g, g);
        });
    }

    /// <summary>Scales each decoder row [S, I] to unit norm (rows of zeros stay zero).</summary>
    public static void NormalizeRows(float[] decoder, int dSae, int dIn, float[] norms)
    {
        Parallel.For(0, dSae, i =>
        {
            var row = decoder.AsSpan(i * dIn, dIn);
            var n = System.Numerics.Tensors.TensorPrimitives.Norm(row);
            if (n > 0) System.Numerics.Tensors.TensorPrimitives.Divide(row, n, row);
            norms[i] = n > 0 ? 1f : 0f;
        });
    }

    /// <summary>‖W_dec,i‖ per row of <paramref name="decoder"/> [S, I].</summary>
    public static void RowNorms(float[] decoder, int dSae, int dIn, float[] norms) =>
        Parallel.For(0, dSae, i => norms[i] = System.Numerics.Tensors.TensorPrimitives.Norm(decoder.AsSpan(i * dIn, dIn)));
}
