using System.Runtime.Intrinsics;

namespace FeatureAtlas.Core.Kernels;

/// <summary>
/// GPT-2's <c>gelu_new</c>: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). Not the exact erf GELU, which
/// differs by up to 1.5e-4 and would break parity with Hugging Face and TransformerLens.
/// </summary>
public static class Gelu
{
    private const float Sqrt2OverPi = 0.7978845608028654f;
    private const float Cubic = 0.044715f;

    /// <summary>Applies gelu_new element-wise; <paramref name="destination"/> may alias <paramref name="x"/>.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> destination)
    {
        if (destination.Length < x.Length) throw new ArgumentException("destination is shorter than x.", nameof(destination));
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Forward(Vector512.Create(x.Slice(i, Vector512<float>.Count))).CopyTo(destination.Slice(i));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Forward(Vector256.Create(x.Slice(i, Vector256<float>.Count))).CopyTo(destination.Slice(i));
            }
        }
        for (; i < x.Length; i++) destination[i] = Forward(x[i]);
    }

    public static float Forward(float x)
    {
        var inner = Sqrt2OverPi * (x + Cubic * x * x * x);
        return 0.5f * x * (1f + MathF.Tanh(inner));
    }

    // tanh(u) = 1 − 2 / (exp(2u) + 1): exact at ±∞ (exp overflows to ∞ → 1; underflows to 0 → −1), no NaN.
    private static Vector512<float> Forward(Vector512<float> x)
    {
        var inner = Vector512.Create(Sqrt2OverPi) * Vector512.FusedMultiplyAdd(Vector512.Create(Cubic) * x * x, x, x);
        var tanh = Vector512<float>.One - Vector512.Create(2f) / (Vector512.Exp(inner + inner) + Vector512<float>.One);
        return Vector512.Create(0.5f) * x * (Vector512<float>.One + tanh);
    }

    private static Vector256<float> Forward(Vector256<float> x)
    {
        var inner = Vector256.Create(Sqrt2OverPi) * Vector256.FusedMultiplyAdd(Vector256.Create(Cubic) * x * x, x, x);
        var tanh = Vector256<float>.One - Vector256.Create(2f) / (Vector256.Exp(inner + inner) + Vector256<float>.One);
        return Vector256.Create(0.5f) * x * (Vector256<float>.One + tanh);
    }

    /// <summary>
    /// Multiplies <paramref name="gradient"/> by gelu_new's derivative at <paramref name="x"/>:
    /// ½(1 + t) + ½·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²), t = tanh(√(2/π)·(x + 0.044715·x³)), eight at a time.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, Span<float> gradient)
    {
        if (gradient.Length > x.Length) throw new ArgumentException("x is shorter than the gradient.", nameof(x));
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= gradient.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.Create(x.Slice(i, Vector256<float>.Count));
                (Vector256.Create(gradient.Slice(i, Vector256<float>.Count)) * Derivative(v)).CopyTo(gradient.Slice(i));
            }
        }
        for (; i < gradient.Length; i++) gradient[i] *= Derivative(x[i]);
    }

    public static float Derivative(float x)
    {
        var tanh = MathF.Tanh(Sqrt2OverPi * (x + Cubic * x * x * x));
        return 0.5f * (1 + tanh) + 0.5f * x * (1 - tanh * tanh) * Sqrt2OverPi * (1 + 3 * Cubic * x * x);
    }

    private static Vector256<float> Derivative(Vector256<float> x)
    {
        var x2 = x * x;
        var inner = Vector256.Create(Sqrt2OverPi) * Vector256.FusedMultiplyAdd(Vector256.Create(Cubic) * x2, x, x);
        var tanh = Vector256<float>.One - Vector256.Create(2f) / (Vector256.Exp(inner + inner) + Vector256<float>.One);
        var slope = Vector256.Create(0.5f * Sqrt2OverPi) * x * (Vector256<float>.One - tanh * tanh) * Vector256.FusedMultiplyAdd(Vector256.Create(3 * Cubic), x2, Vector256<float>.One);
        return Vector256.Create(0.5f) * (Vector256<float>.One + tanh) + slope;
    }

    /// <summary>Double-precision derivative of <see cref="Reference"/>; tests only.</summary>
    internal static double DerivativeReference(double x)
    {
        var c = Math.Sqrt(2 / Math.PI);
        var tanh = Math.Tanh(c * (x + 0.044715 * x * x * x));
        return 0.5 * (1 + tanh) + 0.5 * x * (1 - tanh * tanh) * c * (1 + 3 * 0.044715 * x * x);
    }

    /// <summary>Double-precision twin of <see cref="Forward(ReadOnlySpan{float}, Span{float})"/>; tests only.</summary>
    internal static double Reference(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}
