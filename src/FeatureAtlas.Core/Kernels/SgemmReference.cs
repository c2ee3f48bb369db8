namespace FeatureAtlas.Core.Kernels;

/// <summary>The plain triple loop that <see cref="Sgemm"/> must agree with; used by tests only.</summary>
internal static class SgemmReference
{
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n,
        bool transposeB = false, ReadOnlySpan<float> bias = default, bool accumulate = false)
    {
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * n + j] : 0.0;
                if (!bias.IsEmpty) sum += bias[j];
                for (var p = 0; p < k; p++)
                {
                    var bv = transposeB ? b[j * k + p] : b[p * n + j];
                    sum += (double)a[i * k + p] * bv;
                }
                c[i * n + j] = (float)sum;
            }
        }
    }
}
