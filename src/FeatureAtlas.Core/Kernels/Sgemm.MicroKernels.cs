using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FeatureAtlas.Core.Kernels;

public static unsafe partial class Sgemm
{
    // The kernels here, the skinny kernel and attention's inner loops are jitted fully optimised on their first call
    // (AggressiveOptimization). Left to tiering, they ran as tier-0 code, every vector operation a call, until the JIT
    // caught up: 4% of a fresh process's dashboards build went to the tier-0 8×32 kernel, and each new worker, CLI
    // command and server paid it again.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MicroKernel(GemmPath path, int kc, float* a, float* b, float* c, int ldc, float* bias, bool load)
    {
        switch (path)
        {
            case GemmPath.Vector512: Kernel8x32(kc, a, b, c, ldc, bias, load); break;
            case GemmPath.Vector256: Kernel6x16(kc, a, b, c, ldc, bias, load); break;
            default: Kernel4x8Scalar(kc, a, b, c, ldc, bias, load); break;
        }
    }

    /// <summary>
    /// C[8, 32] (+)= A panel [kc, 8] · B panel [kc, 32]. Accumulators start from C (load) or zero, plus the
    /// bias, so the bias add and the K-block accumulation cost no extra pass over C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x32(int kc, float* a, float* b, float* c, int ldc, float* bias, bool load)
    {
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (load)
        {
            c00 = Vector512.Load(c); c01 = Vector512.Load(c + 16); c += ldc;
            c10 = Vector512.Load(c); c11 = Vector512.Load(c + 16); c += ldc;
            c20 = Vector512.Load(c); c21 = Vector512.Load(c + 16); c += ldc;
            c30 = Vector512.Load(c); c31 = Vector512.Load(c + 16); c += ldc;
            c40 = Vector512.Load(c); c41 = Vector512.Load(c + 16); c += ldc;
            c50 = Vector512.Load(c); c51 = Vector512.Load(c + 16); c += ldc;
            c60 = Vector512.Load(c); c61 = Vector512.Load(c + 16); c += ldc;
            c70 = Vector512.Load(c); c71 = Vector512.Load(c + 16);
            c -= 7 * ldc;
        }
        else
        {
            c00 = c10 = c20 = c30 = c40 = c50 = c60 = c70 = Vector512<float>.Zero;
            c01 = c11 = c21 = c31 = c41 = c51 = c61 = c71 = Vector512<float>.Zero;
        }
        if (bias != null)
        {
            var b0 = Vector512.Load(bias);
            var b1 = Vector512.Load(bias + 16);
            c00 += b0; c10 += b0; c20 += b0; c30 += b0; c40 += b0; c50 += b0; c60 += b0; c70 += b0;
            c01 += b1; c11 += b1; c21 += b1; c31 += b1; c41 += b1; c51 += b1; c61 += b1; c71 += b1;
        }

        for (var p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var av = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
            a += 8;
            b += 32;
        }

        c00.Store(c); c01.Store(c + 16); c += ldc;
        c10.Store(c); c11.Store(c + 16); c += ldc;
        c20.Store(c); c21.Store(c + 16); c += ldc;
        c30.Store(c); c31.Store(c + 16); c += ldc;
        c40.Store(c); c41.Store(c + 16); c += ldc;
        c50.Store(c); c51.Store(c + 16); c += ldc;
        c60.Store(c); c61.Store(c + 16); c += ldc;
        c70.Store(c); c71.Store(c + 16);
    }

    /// <summary>C[6, 16] (+)= A panel [kc, 6] · B panel [kc, 16]; 12 ymm accumulators + 3 operands ≤ 16 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(int kc, float* a, float* b, float* c, int ldc, float* bias, bool load)
    {
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (load)
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8); c += ldc;
            c10 = Vector256.Load(c); c11 = Vector256.Load(c + 8); c += ldc;
            c20 = Vector256.Load(c); c21 = Vector256.Load(c + 8); c += ldc;
            c30 = Vector256.Load(c); c31 = Vector256.Load(c + 8); c += ldc;
            c40 = Vector256.Load(c); c41 = Vector256.Load(c + 8); c += ldc;
            c50 = Vector256.Load(c); c51 = Vector256.Load(c + 8);
            c -= 5 * ldc;
        }
        else
        {
            c00 = c10 = c20 = c30 = c40 = c50 = Vector256<float>.Zero;
            c01 = c11 = c21 = c31 = c41 = c51 = Vector256<float>.Zero;
        }
        if (bias != null)
        {
            var b0 = Vector256.Load(bias);
            var b1 = Vector256.Load(bias + 8);
            c00 += b0; c10 += b0; c20 += b0; c30 += b0; c40 += b0; c50 += b0;
            c01 += b1; c11 += b1; c21 += b1; c31 += b1; c41 += b1; c51 += b1;
        }

        for (var p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var av = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(av, b0, c00); c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(av, b0, c10); c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(av, b0, c20); c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(av, b0, c30); c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(av, b0, c40); c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(av, b0, c50); c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
            a += 6;
            b += 16;
        }

        c00.Store(c); c01.Store(c + 8); c += ldc;
        c10.Store(c); c11.Store(c + 8); c += ldc;
        c20.Store(c); c21.Store(c + 8); c += ldc;
        c30.Store(c); c31.Store(c + 8); c += ldc;
        c40.Store(c); c41.Store(c + 8); c += ldc;
        c50.Store(c); c51.Store(c + 8);
    }

    /// <summary>C[4, 8] (+)= A panel [kc, 4] · B panel [kc, 8] with scalar FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel4x8Scalar(int kc, float* a, float* b, float* c, int ldc, float* bias, bool load)
    {
        var acc = stackalloc float[32];
        for (var i = 0; i < 4; i++)
        {
            for (var j = 0; j < 8; j++) acc[i * 8 + j] = (load ? c[(long)i * ldc + j] : 0f) + (bias == null ? 0f : bias[j]);
        }
        for (var p = 0; p < kc; p++)
        {
            for (var i = 0; i < 4; i++)
            {
                var ai = a[i];
                for (var j = 0; j < 8; j++) acc[i * 8 + j] = MathF.FusedMultiplyAdd(ai, b[j], acc[i * 8 + j]);
            }
            a += 4;
            b += 8;
        }
        for (var i = 0; i < 4; i++)
        {
            for (var j = 0; j < 8; j++) c[(long)i * ldc + j] = acc[i * 8 + j];
        }
    }
}
