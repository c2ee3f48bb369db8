using System.Buffers;
using System.Runtime.CompilerServices;

namespace FeatureAtlas.Core.Kernels;

/// <summary>
/// Single-precision GEMM, C[M, N] = A[M, K] · B[K, N] (+ bias[N]) (+ C), row-major, in the GotoBLAS/BLIS
/// shape: B packed into NR-wide strips (once, for weights), A packed per (MC × KC) block into MR-row panels,
/// and a register-tiled micro-kernel. Work is split into (MC × NC) tiles of C shared by all cores.
/// </summary>
public static unsafe partial class Sgemm
{
    // KC × NR × 4 B = 32 KiB: one B micro-panel fills L1 while the MC rows of A (96 KiB) sit in L2.
    private const int Kc = 256;
    private const int Mc = 96;
    // 256 columns per tile gives 2-core balance from M = 1 (N / 256 tiles) and amortises A packing over 8 strips.
    private const int Nc = 256;

    [ThreadStatic] private static float[]? t_aPack;

    /// <summary>The micro-kernel family this CPU runs.</summary>
    public static GemmPath ActivePath => GemmPaths.Best;

    /// <summary>Threads that share each multiplication (all cores).</summary>
    public static int Parallelism => WorkerPool.Parallelism;

    /// <summary>C = A · B (+ bias), or C += A · B (+ bias) when <paramref name="accumulate"/>.</summary>
    public static void Multiply(ReadOnlySpan<float> a, PackedMatrix b, Span<float> c, int m, ReadOnlySpan<float> bias = default, bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        int k = b.Rows, n = b.Columns;
        if (a.Length < (long)m * k) throw new ArgumentException($"A needs [{m}, {k}] = {(long)m * k} elements, has {a.Length}.", nameof(a));
        if (c.Length < (long)m * n) throw new ArgumentException($"C needs [{m}, {n}] = {(long)m * n} elements, has {c.Length}.", nameof(c));
        if (!bias.IsEmpty && bias.Length != n) throw new ArgumentException($"bias needs {n} elements, has {bias.Length}.", nameof(bias));
        if (m == 0) return;

        fixed (float* pa = a)
        fixed (float* pb = b.Data)
        fixed (float* pc = c)
        fixed (float* pbias = bias)
        {
            var job = new Job
            {
                A = pa, Lda = k, B = pb, C = pc, Ldc = n, Bias = bias.IsEmpty ? null : pbias,
                M = m, K = k, N = n, Accumulate = accumulate, Path = b.Path,
                MBlocks = (m + Mc - 1) / Mc, NBlocks = (n + Nc - 1) / Nc,
            };
            WorkerPool.For(job.MBlocks * job.NBlocks, &RunTile, (nint)(&job));
        }
    }

    /// <summary>
    /// C = A · B or A · Bᵀ for an unpacked B (activations times activations, e.g. attention), packing B into a
    /// pooled buffer first; K × N extra work, negligible next to M × K × N once M ≥ 16.
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool transposeB = false, bool accumulate = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        if (b.Length < (long)k * n) throw new ArgumentException($"B needs {(long)k * n} elements, has {b.Length}.", nameof(b));
        var path = GemmPaths.Best;
        var nr = GemmPaths.Nr(path);
        var size = ((n + nr - 1) / nr) * k * nr;
        var buffer = ArrayPool<float>.Shared.Rent(size);
        try
        {
            PackedMatrix.PackInto(b, k, n, transposeB, nr, buffer);
            MultiplyPacked(a, buffer, k, n, path, c, m, accumulate);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    internal static void Multiply(ReadOnlySpan<float> a, PackedMatrix b, Span<float> c, int m, bool accumulate) => Multiply(a, b, c, m, default, accumulate);

    private static void MultiplyPacked(ReadOnlySpan<float> a, float[] packed, int k, int n, GemmPath path, Span<float> c, int m, bool accumulate)
    {
        if (a.Length < (long)m * k) throw new ArgumentException($"A needs [{m}, {k}] elements, has {a.Length}.", nameof(a));
        if (c.Length < (long)m * n) throw new ArgumentException($"C needs [{m}, {n}] elements, has {c.Length}.", nameof(c));
        if (m == 0) return;
        fixed (float* pa = a)
        fixed (float* pb = packed)
        fixed (float* pc = c)
        {
            var job = new Job
            {
                A = pa, Lda = k, B = pb, C = pc, Ldc = n, Bias = null, M = m, K = k, N = n,
                Accumulate = accumulate, Path = path, MBlocks = (m + Mc - 1) / Mc, NBlocks = (n + Nc - 1) / Nc,
            };
            WorkerPool.For(job.MBlocks * job.NBlocks, &RunTile, (nint)(&job));
        }
    }

    private struct Job
    {
        public float* A;
        public int Lda;
        public float* B;
        public float* C;
        public int Ldc;
        public float* Bias;
        public int M, K, N;
        public bool Accumulate;
        public GemmPath Path;
        public int MBlocks, NBlocks;
    }

    private static void RunTile(nint context, int index)
    {
        ref var job = ref Unsafe.AsRef<Job>((void*)context);
        // N-blocks vary fastest so two cores working on neighbouring tiles share the same packed A rows in L3.
        var ib = index / job.NBlocks;
        var jb = index % job.NBlocks;
        var row0 = ib * Mc;
        var rows = Math.Min(Mc, job.M - row0);
        var col0 = jb * Nc;
        var cols = Math.Min(Nc, job.N - col0);

        var mr = GemmPaths.Mr(job.Path);
        var nr = GemmPaths.Nr(job.Path);
        var panels = (rows + mr - 1) / mr;
        var aPack = t_aPack ??= GC.AllocateUninitializedArray<float>(Mc * Kc + 64, pinned: true);

        fixed (float* pack = aPack)
        {
            for (var p0 = 0; p0 < job.K; p0 += Kc)
            {
                var kc = Math.Min(Kc, job.K - p0);
                PackA(job.A + (long)row0 * job.Lda + p0, job.Lda, rows, kc, mr, pack);
                var first = p0 == 0;
                var load = !first || job.Accumulate;
                var bias = first ? job.Bias : null;

                for (var s = col0 / nr; s * nr < col0 + cols; s++)
                {
                    var stripCol = s * nr;
                    var width = Math.Min(nr, job.N - stripCol);
                    var bPanel = job.B + (long)s * job.K * nr + (long)p0 * nr;
                    for (var panel = 0; panel < panels; panel++)
                    {
                        var r = row0 + panel * mr;
                        var height = Math.Min(mr, job.M - r);
                        var cTile = job.C + (long)r * job.Ldc + stripCol;
                        var aPanel = pack + panel * kc * mr;
                        var biasTile = bias == null ? null : bias + stripCol;
                        if (height == mr && width == nr)
                        {
                            MicroKernel(job.Path, kc, aPanel, bPanel, cTile, job.Ldc, biasTile, load);
                        }
                        else
                        {
                            EdgeTile(job.Path, kc, aPanel, bPanel, cTile, job.Ldc, biasTile, load, height, width);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Copies rows × kc of A into MR-row panels (k-major inside a panel), zero-padding the last panel.</summary>
    private static void PackA(float* a, int lda, int rows, int kc, int mr, float* destination)
    {
        for (var panel0 = 0; panel0 < rows; panel0 += mr)
        {
            var height = Math.Min(mr, rows - panel0);
            var dst = destination + panel0 * kc;
            for (var i = 0; i < height; i++)
            {
                var src = a + (long)(panel0 + i) * lda;
                for (var p = 0; p < kc; p++) dst[p * mr + i] = src[p];
            }
            for (var i = height; i < mr; i++)
            {
                for (var p = 0; p < kc; p++) dst[p * mr + i] = 0f;
            }
        }
    }

    /// <summary>Partial tiles run the full micro-kernel on a scratch tile, then copy the valid corner back.</summary>
    private static void EdgeTile(GemmPath path, int kc, float* a, float* b, float* c, int ldc, float* bias, bool load, int height, int width)
    {
        var nr = GemmPaths.Nr(path);
        var tile = stackalloc float[8 * 32];
        for (var i = 0; i < height; i++)
        {
            for (var j = 0; j < width; j++)
            {
                tile[i * nr + j] = (load ? c[(long)i * ldc + j] : 0f) + (bias == null ? 0f : bias[j]);
            }
        }
        MicroKernel(path, kc, a, b, tile, nr, null, load: true);
        for (var i = 0; i < height; i++)
        {
            for (var j = 0; j < width; j++) c[(long)i * ldc + j] = tile[i * nr + j];
        }
    }
}
