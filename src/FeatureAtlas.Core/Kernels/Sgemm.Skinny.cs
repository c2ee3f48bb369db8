using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FeatureAtlas.Core.Kernels;

public static unsafe partial class Sgemm
{
    /// <summary>Rows up to which a product takes the skinny path (decode steps: one row per sequence).</summary>
    internal const int SkinnyRows = 4;

    /// <summary>
    /// C[m ≤ 4, N] (+)= A · B for the AVX-512 path, straight from the packed B strips with no A packing. The blocked
    /// kernel pads m to its 8-row register tile, so at m = 1 seven eighths of its FMAs multiply zeros; here each B
    /// strip [K, 32] streams once per row pair, which is what a decode step is bound by (GPT-2 small's weights are
    /// ~500 MB per token). Each element sums bias, then a[k]·b[k] for k = 0, 1, … with one FMA each, in the blocked
    /// kernel's order, so both paths give the same bits and a KV-cache step equals a full recompute exactly.
    /// </summary>
    private static void RunSkinny(float* a, float* packedB, int k, int n, float* c, int m, float* bias, bool accumulate)
    {
        var job = new SkinnyJob { A = a, B = packedB, C = c, Bias = bias, M = m, K = k, N = n, Accumulate = accumulate, Strips = (n + 31) / 32 };
        WorkerPool.For((job.Strips + SkinnyStripsPerItem - 1) / SkinnyStripsPerItem, &SkinnyItem, (nint)(&job));
    }

    // 4 strips (128 columns, 384 KiB of B at K = 768) per work item: enough to amortise the hand-off, and still
    // 6 items for a 768-wide product so both cores stay busy.
    private const int SkinnyStripsPerItem = 4;

    private struct SkinnyJob
    {
        public float* A, B, C, Bias;
        public int M, K, N, Strips;
        public bool Accumulate;
    }

    private static void SkinnyItem(nint context, int item)
    {
        ref var job = ref Unsafe.AsRef<SkinnyJob>((void*)context);
        var end = Math.Min(job.Strips, (item + 1) * SkinnyStripsPerItem);
        var tile = stackalloc float[2 * 32];
        var biasTile = stackalloc float[32];
        for (var s = item * SkinnyStripsPerItem; s < end; s++)
        {
            var col0 = s * 32;
            var width = Math.Min(32, job.N - col0);
            var strip = job.B + (long)s * job.K * 32;
            var bias = job.Bias == null ? null : job.Bias + col0;
            if (bias != null && width < 32)
            {
                new Span<float>(biasTile, 32).Clear();
                new ReadOnlySpan<float>(bias, width).CopyTo(new Span<float>(biasTile, width));
                bias = biasTile;
            }
            for (var r = 0; r < job.M; r += 2)
            {
                var rows = Math.Min(2, job.M - r);
                var a = job.A + (long)r * job.K;
                var c = job.C + (long)r * job.N + col0;
                if (width == 32)
                {
                    SkinnyKernel(rows, job.K, a, strip, c, job.N, bias, job.Accumulate);
                    continue;
                }
                // The last strip is zero-padded past N: compute all 32 columns in a scratch tile, keep the valid ones.
                for (var i = 0; i < rows; i++)
                {
                    for (var j = 0; j < 32; j++) tile[i * 32 + j] = job.Accumulate && j < width ? c[(long)i * job.N + j] : 0f;
                }
                SkinnyKernel(rows, job.K, a, strip, tile, 32, bias, job.Accumulate);
                for (var i = 0; i < rows; i++) new ReadOnlySpan<float>(tile + i * 32, width).CopyTo(new Span<float>(c + (long)i * job.N, width));
            }
        }
    }

    /// <summary>C[rows ≤ 2, 32] (+)= A[rows, K] · strip [K, 32] (+ bias), one FMA per a[k]·b[k] in k order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SkinnyKernel(int rows, int k, float* a, float* b, float* c, int ldc, float* bias, bool load)
    {
        Vector512<float> c00, c01, c10 = default, c11 = default;
        c00 = load ? Vector512.Load(c) : Vector512<float>.Zero;
        c01 = load ? Vector512.Load(c + 16) : Vector512<float>.Zero;
        if (rows == 2)
        {
            c10 = load ? Vector512.Load(c + ldc) : Vector512<float>.Zero;
            c11 = load ? Vector512.Load(c + ldc + 16) : Vector512<float>.Zero;
        }
        if (bias != null)
        {
            var b0 = Vector512.Load(bias);
            var b1 = Vector512.Load(bias + 16);
            c00 += b0; c01 += b1; c10 += b0; c11 += b1;
        }
        if (rows == 2)
        {
            var a1 = a + k;
            for (var p = 0; p < k; p++)
            {
                var b0 = Vector512.Load(b);
                var b1 = Vector512.Load(b + 16);
                var av = Vector512.Create(a[p]);
                c00 = Vector512.FusedMultiplyAdd(av, b0, c00);
                c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
                av = Vector512.Create(a1[p]);
                c10 = Vector512.FusedMultiplyAdd(av, b0, c10);
                c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
                b += 32;
            }
            c10.Store(c + ldc);
            c11.Store(c + ldc + 16);
        }
        else
        {
            for (var p = 0; p < k; p++)
            {
                var av = Vector512.Create(a[p]);
                c00 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b), c00);
                c01 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + 16), c01);
                b += 32;
            }
        }
        c00.Store(c);
        c01.Store(c + 16);
    }
}
