using System.Runtime.Intrinsics;

namespace FeatureAtlas.Core.Kernels;

/// <summary>
/// The right-hand matrix B [K, N] of a GEMM, packed once into the layout the micro-kernel streams: strips
/// of NR columns, each strip K × NR contiguous and zero-padded past N. Model and SAE weights are packed at
/// load time, so a forward pass only packs its activations (A), which are ~N/M times smaller.
/// The buffer is pinned so worker threads can read it through a pointer without fixing it per call.
/// </summary>
public sealed class PackedMatrix
{
    private PackedMatrix(float[] data, int rows, int columns, GemmPath path)
    {
        Data = data;
        Rows = rows;
        Columns = columns;
        Path = path;
    }

    /// <summary>K: the shared (inner) dimension.</summary>
    public int Rows { get; }

    /// <summary>N: the output width.</summary>
    public int Columns { get; }

    internal GemmPath Path { get; }

    internal int Nr => GemmPaths.Nr(Path);

    internal int Strips => (Columns + Nr - 1) / Nr;

    // [Strips, K, NR]
    internal float[] Data { get; }

    /// <summary>Packs a row-major B [k, n] (a Conv1D or SAE encoder weight).</summary>
    public static PackedMatrix Pack(ReadOnlySpan<float> b, int k, int n) => Pack(b, k, n, transposed: false, GemmPaths.Best);

    /// <summary>Packs B = btᵀ from a row-major bt [n, k] (the tied unembedding: wte is [V, D], W_U = wteᵀ).</summary>
    public static PackedMatrix PackTransposed(ReadOnlySpan<float> bt, int k, int n) => Pack(bt, k, n, transposed: true, GemmPaths.Best);

    internal static PackedMatrix Pack(ReadOnlySpan<float> source, int k, int n, bool transposed, GemmPath path)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        if (source.Length < (long)k * n)
        {
            throw new ArgumentException($"B needs {(long)k * n} elements for [{k}, {n}] but has {source.Length}.", nameof(source));
        }

        var nr = GemmPaths.Nr(path);
        var strips = (n + nr - 1) / nr;
        var data = GC.AllocateUninitializedArray<float>(checked(strips * k * nr), pinned: true);
        PackInto(source, k, n, transposed, nr, data);
        return new PackedMatrix(data, k, n, path);
    }

    /// <summary>
    /// Packs <paramref name="source"/> (the same shape as at <see cref="Pack(ReadOnlySpan{float}, int, int)"/>, or its
    /// transpose as at <see cref="PackTransposed"/>) into this matrix's own buffer: a trained weight packed again after
    /// each optimiser step without a new allocation.
    /// </summary>
    internal void Repack(ReadOnlySpan<float> source, bool transposed)
    {
        if (source.Length < (long)Rows * Columns) throw new ArgumentException($"B needs {(long)Rows * Columns} elements for [{Rows}, {Columns}] but has {source.Length}.", nameof(source));
        PackInto(source, Rows, Columns, transposed, Nr, Data);
    }

    /// <summary>
    /// Packs in parallel over groups of <see cref="StripsPerItem"/> strips. Within a group B is read row by row (a
    /// contiguous run of StripsPerItem × NR floats), so a B of 50,257 columns is not walked one 64-byte piece per
    /// row per strip: that stride of a whole row (a TLB miss per copy) made packing the 204 MB logit gradient of a
    /// training step cost more than the GEMM that read it.
    /// </summary>
    internal static unsafe void PackInto(ReadOnlySpan<float> source, int k, int n, bool transposed, int nr, Span<float> destination)
    {
        var strips = (n + nr - 1) / nr;
        if (destination.Length < (long)strips * k * nr) throw new ArgumentException($"The packed buffer needs {(long)strips * k * nr} elements, has {destination.Length}.", nameof(destination));
        fixed (float* src = source)
        fixed (float* dst = destination)
        {
            var job = new PackJob { Source = src, Destination = dst, K = k, N = n, Nr = nr, Strips = strips, Transposed = transposed };
            var items = (strips + StripsPerItem - 1) / StripsPerItem;
            // Small matrices (a layer's weights at load, an attention head's keys) pack on the calling thread.
            if ((long)k * n < 1 << 16) for (var i = 0; i < items; i++) PackItem((nint)(&job), i);
            else WorkerPool.For(items, &PackItem, (nint)(&job));
        }
    }

    private const int StripsPerItem = 16;

    private unsafe struct PackJob
    {
        public float* Source;       // [K, N] row-major, or [N, K] when Transposed
        public float* Destination;  // [Strips, K, NR]
        public int K, N, Nr, Strips;
        public bool Transposed;
    }

    private static unsafe void PackItem(nint context, int item)
    {
        ref var job = ref *(PackJob*)context;
        int k = job.K, n = job.N, nr = job.Nr;
        var first = item * StripsPerItem;
        var last = Math.Min(job.Strips, first + StripsPerItem);
        if (!job.Transposed)
        {
            for (var p = 0; p < k; p++)
            {
                var row = job.Source + (long)p * n;
                for (var s = first; s < last; s++)
                {
                    var col0 = s * nr;
                    var width = Math.Min(nr, n - col0);
                    var to = job.Destination + ((long)s * k + p) * nr;
                    if (width == nr && Vector256.IsHardwareAccelerated)
                    {
                        for (var j = 0; j < nr; j += Vector256<float>.Count) Vector256.Store(Vector256.Load(row + col0 + j), to + j);
                        continue;
                    }
                    var piece = new Span<float>(to, nr);
                    new ReadOnlySpan<float>(row + col0, width).CopyTo(piece);
                    piece[width..].Clear();
                }
            }
            return;
        }
        for (var s = first; s < last; s++)
        {
            var col0 = s * nr;
            var width = Math.Min(nr, n - col0);
            var strip = job.Destination + (long)s * k * nr;
            if (width < nr) new Span<float>(strip, k * nr).Clear();
            for (var c = 0; c < width; c++)
            {
                var column = job.Source + (long)(col0 + c) * k;
                for (var p = 0; p < k; p++) strip[p * nr + c] = column[p];
            }
        }
    }
}
