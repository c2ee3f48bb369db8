using System.Runtime.Intrinsics;

namespace FeatureAtlas.Core.Kernels;

/// <summary>
/// The SGEMM micro-kernel family and its register tile (MR rows of A × NR columns of B). The widest one the
/// CPU runs is chosen once; tests pick each path explicitly so all three stay correct.
/// </summary>
public enum GemmPath
{
    /// <summary>8×32 tile: 16 zmm accumulators, 2 B loads and 8 broadcasts per 16 FMAs.</summary>
    Vector512,

    /// <summary>6×16 tile: 12 ymm accumulators, fits AVX2's 16 registers with B and A operands.</summary>
    Vector256,

    /// <summary>4×8 tile in plain scalar code, for CPUs without SIMD FMA.</summary>
    Scalar,
}

internal static class GemmPaths
{
    public static GemmPath Best { get; } =
        Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? GemmPath.Vector512
        : Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported ? GemmPath.Vector256
        : GemmPath.Scalar;

    public static bool IsSupported(GemmPath path) => path switch
    {
        GemmPath.Vector512 => Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported,
        GemmPath.Vector256 => Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported,
        _ => true,
    };

    public static int Mr(GemmPath path) => path switch { GemmPath.Vector512 => 8, GemmPath.Vector256 => 6, _ => 4 };

    public static int Nr(GemmPath path) => path switch { GemmPath.Vector512 => 32, GemmPath.Vector256 => 16, _ => 8 };
}
