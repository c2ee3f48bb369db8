using System.Runtime.InteropServices;

namespace FeatureAtlas.Bench;

/// <summary>
/// OpenBLAS's cblas_sgemm, loaded at run time from Debian's libopenblas0-pthread when present. Benchmarks
/// use it as the yardstick for <see cref="Sgemm"/>; the engine itself never needs it (the managed kernel
/// measured 1.1× OpenBLAS on 1024×768·768×3072 on the 2-core CI machine, so it is not worth a backend).
/// </summary>
public static unsafe class OpenBlas
{
    private static readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemm = Resolve();

    public static bool IsAvailable => Sgemm != null;

    /// <summary>C[m, n] = A[m, k] · B[k, n], row-major, with OpenBLAS's own threads.</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        if (!IsAvailable) throw new InvalidOperationException("OpenBLAS (libopenblas.so.0) is not installed; apt-get install libopenblas0-pthread.");
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n) throw new ArgumentException("Matrix spans are shorter than their shapes.");
        const int RowMajor = 101, NoTrans = 111;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            Sgemm(RowMajor, NoTrans, NoTrans, m, n, k, 1f, pa, k, pb, n, 0f, pc, n);
        }
    }

    private static delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Resolve()
    {
        foreach (var name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblasp-r0.3.21.so" })
        {
            if (NativeLibrary.TryLoad(name, out var handle) && NativeLibrary.TryGetExport(handle, "cblas_sgemm", out var export))
            {
                return (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)export;
            }
        }
        return null;
    }
}
