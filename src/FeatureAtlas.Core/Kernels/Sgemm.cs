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
    // 128 columns per tile: 66 tiles at 1024×768·768×768 keep both cores busy to the end, and a small M
    // still splits N / 128 ways.
    private const int Nc = 128;

    /// <summary>The micro-kernel family this CPU runs.</summary>
    public static GemmPath ActivePath => GemmPaths.Best;

    /// <summary>Threads that share each multiplication (all cores).</summary>
    public static int Parallelism => WorkerPool.Parallelism;

    /// <summary>C = A · B (+ bias), or C += A · B (+ bias) when <paramref name="accumulate"/>.</summary>
    public static void Multiply(ReadOnlySpan<float> a, PackedMatrix b, Span<float> c, int m, ReadOnlySpan<float> bias = default, bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(b);
        if (!bias.IsEmpty && bias.Length != b.Columns) throw new ArgumentException($"bias needs {b.Columns} elements, has {bias.Length}.", nameof(bias));
        fixed (float* pb = b.Data)
        fixed (float* pbias = bias)
        {
            Run(a, pb, b.Rows, b.Columns, b.Path, c, m, bias.IsEmpty ? null : pbias, accumulate);
        }
    }

    /// <summary>
    /// C [M, <paramref name="columns"/>] = A · B[:, first … first + columns) (+ bias over the same columns): a slice of a
    /// packed B without copying it, for callers that consume a wide product (the 50257-column unembedding) a block of
    /// columns at a time while the block is still in cache. <paramref name="first"/> must be a multiple of
    /// <see cref="ColumnAlignment"/>.
    /// </summary>
    public static void MultiplyColumns(ReadOnlySpan<float> a, PackedMatrix b, int first, int columns, Span<float> c, int m, ReadOnlySpan<float> bias = default)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (first % b.Nr != 0) throw new ArgumentException($"The first column {first} is not a multiple of {b.Nr}.", nameof(first));
        if (first + columns > b.Columns) throw new ArgumentOutOfRangeException(nameof(columns), $"Columns {first}..{first + columns} exceed B's {b.Columns}.");
        if (!bias.IsEmpty && bias.Length != b.Columns) throw new ArgumentException($"bias needs {b.Columns} elements, has {bias.Length}.", nameof(bias));
        fixed (float* pb = b.Data)
        fixed (float* pbias = bias)
        {
            Run(a, pb + (long)(first / b.Nr) * b.Rows * b.Nr, b.Rows, columns, b.Path, c, m, bias.IsEmpty ? null : pbias + first, accumulate: false);
        }
    }

    /// <summary>What the first column of <see cref="MultiplyColumns"/> must be a multiple of on this CPU (the strip width NR).</summary>
    public static int ColumnAlignment => GemmPaths.Nr(GemmPaths.Best);

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
        var buffer = ArrayPool<float>.Shared.Rent(((n + nr - 1) / nr) * k * nr);
        try
        {
            PackedMatrix.PackInto(b, k, n, transposeB, nr, buffer);
            fixed (float* pb = buffer)
            {
                Run(a, pb, k, n, path, c, m, null, accumulate);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private static void Run(ReadOnlySpan<float> a, float* packedB, int k, int n, GemmPath path, Span<float> c, int m, float* bias, bool accumulate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        if (a.Length < (long)m * k) throw new ArgumentException($"A needs [{m}, {k}] = {(long)m * k} elements, has {a.Length}.", nameof(a));
        if (c.Length < (long)m * n) throw new ArgumentException($"C needs [{m}, {n}] = {(long)m * n} elements, has {c.Length}.", nameof(c));
        if (m == 0) return;
        if (m <= SkinnyRows && path == GemmPath.Vector512)
        {
            fixed (float* pa = a)
            fixed (float* pc = c)
            {
                RunSkinny(pa, packedB, k, n, pc, m, bias, accumulate);
            }
            return;
        }

        var mBlocks = (m + Mc - 1) / Mc;
        // A is packed once, in parallel, before any tile runs: packing it per tile instead repeated the
        // scalar copy N/Nc times and cost ~6% at 1024×768·768×3072.
        var aPack = ArrayPool<float>.Shared.Rent(mBlocks * Mc * k);
        try
        {
            fixed (float* pa = a)
            fixed (float* pc = c)
            fixed (float* pack = aPack)
            {
                var job = new Job
                {
                    A = pa, APack = pack, B = packedB, C = pc, Bias = bias, M = m, K = k, N = n,
                    Accumulate = accumulate, Path = path, MBlocks = mBlocks, KBlocks = (k + Kc - 1) / Kc, NBlocks = (n + Nc - 1) / Nc,
                };
                WorkerPool.For(job.MBlocks * job.KBlocks, &PackBlock, (nint)(&job));
                WorkerPool.For(job.MBlocks * job.NBlocks, &RunTile, (nint)(&job));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(aPack);
        }
    }

    private struct Job
    {
        public float* A;       // [M, K] row-major
        public float* APack;   // [MBlocks][K / Kc][Mc / MR panels][kc][MR]
        public float* B;       // packed strips [N / NR][K][NR]
        public float* C;       // [M, N] row-major
        public float* Bias;    // [N] or null
        public int M, K, N;
        public bool Accumulate;
        public GemmPath Path;
        public int MBlocks, KBlocks, NBlocks;
    }

    private static float* PackedBlock(ref Job job, int ib, int p0) => job.APack + (long)ib * Mc * job.K + (long)p0 * Mc;

    private static void PackBlock(nint context, int index)
    {
        ref var job = ref Unsafe.AsRef<Job>((void*)context);
        var ib = index / job.KBlocks;
        var p0 = index % job.KBlocks * Kc;
        var row0 = ib * Mc;
        PackA(job.A + (long)row0 * job.K + p0, job.K, Math.Min(Mc, job.M - row0), Math.Min(Kc, job.K - p0), GemmPaths.Mr(job.Path), PackedBlock(ref job, ib, p0));
    }

    private static void RunTile(nint context, int index)
    {
        ref var job = ref Unsafe.AsRef<Job>((void*)context);
        // M-blocks vary fastest: consecutive tiles (one per core) share the same B columns, so each packed B
        // panel (K × Nc) is read from memory once and reused from cache by every M-block; the
        // 50257-column unembedding would otherwise stream its 154 MB of B once per M-block.
        var ib = index % job.MBlocks;
        var jb = index / job.MBlocks;
        var row0 = ib * Mc;
        var rows = Math.Min(Mc, job.M - row0);
        var col0 = jb * Nc;
        var cols = Math.Min(Nc, job.N - col0);

        var mr = GemmPaths.Mr(job.Path);
        var nr = GemmPaths.Nr(job.Path);
        var panels = (rows + mr - 1) / mr;

        for (var p0 = 0; p0 < job.K; p0 += Kc)
        {
            var kc = Math.Min(Kc, job.K - p0);
            var pack = PackedBlock(ref job, ib, p0);
            var load = p0 != 0 || job.Accumulate;
            var bias = p0 == 0 ? job.Bias : null;

            for (var s = col0 / nr; s * nr < col0 + cols; s++)
            {
                var stripCol = s * nr;
                var width = Math.Min(nr, job.N - stripCol);
                var bPanel = job.B + (long)s * job.K * nr + (long)p0 * nr;
                var biasTile = bias == null ? null : bias + stripCol;
                for (var panel = 0; panel < panels; panel++)
                {
                    var r = row0 + panel * mr;
                    var height = Math.Min(mr, job.M - r);
                    var cTile = job.C + (long)r * job.N + stripCol;
                    var aPanel = pack + panel * kc * mr;
                    if (height == mr && width == nr)
                    {
                        MicroKernel(job.Path, kc, aPanel, bPanel, cTile, job.N, biasTile, load);
                    }
                    else
                    {
                        EdgeTile(job.Path, kc, aPanel, bPanel, cTile, job.N, biasTile, load, height, width);
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
            for (var p = 0; p < kc; p++)
            {
                var src = a + (long)panel0 * lda + p;
                var i = 0;
                for (; i < height; i++) dst[p * mr + i] = src[(long)i * lda];
                for (; i < mr; i++) dst[p * mr + i] = 0f;
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
