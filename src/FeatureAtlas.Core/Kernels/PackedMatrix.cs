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

    internal static void PackInto(ReadOnlySpan<float> source, int k, int n, bool transposed, int nr, Span<float> destination)
    {
        var strips = (n + nr - 1) / nr;
        for (var s = 0; s < strips; s++)
        {
            var col0 = s * nr;
            var width = Math.Min(nr, n - col0);
            var strip = destination.Slice(s * k * nr, k * nr);
            if (!transposed)
            {
                for (var p = 0; p < k; p++)
                {
                    var dst = strip.Slice(p * nr, nr);
                    source.Slice(p * n + col0, width).CopyTo(dst);
                    dst[width..].Clear();
                }
            }
            else
            {
                if (width < nr) strip.Clear();
                for (var c = 0; c < width; c++)
                {
                    var column = source.Slice((col0 + c) * k, k);
                    for (var p = 0; p < k; p++) strip[p * nr + c] = column[p];
                }
            }
        }
    }
}
