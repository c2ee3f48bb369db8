using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Kernels;

public class ElementwiseKernelTests
{
    [Theory]
    // gelu_new values computed with Python's math module (shared/research/sae-formats.md §7).
    [InlineData(1.0, 0.8411919906082768)]
    [InlineData(-1.0, -0.15880800939172324)]
    [InlineData(0.5, 0.34571400982514394)]
    [InlineData(2.0, 1.954597694087775)]
    [InlineData(3.0, 2.996362607918227)]
    public void Gelu_KnownValues_MatchTanhForm(double x, double expected)
    {
        // 33 copies exercise the 16-wide vector body and the scalar tail.
        var input = Enumerable.Repeat((float)x, 33).ToArray();
        var output = new float[33];
        Gelu.Forward(input, output);
        // 1e-6 separates gelu_new from the exact erf GELU (which differs by 1.5e-4 at x = 1).
        Assert.All(output, y => Assert.Equal(expected, y, 1e-6));
    }

    [Fact]
    public void Gelu_RandomAndExtremeInputs_MatchReference()
    {
        var x = TestData.Uniform(1001, 11, 8f);
        x[0] = 100f;
        x[1] = -100f;
        x[2] = 0f;
        var actual = new float[x.Length];
        Gelu.Forward(x, actual);
        var expected = x.Select(v => (float)Gelu.Reference(v)).ToArray();
        TestData.AssertClose(expected, actual, 1e-6, "gelu_new");
        Assert.Equal(100f, actual[0]);
        Assert.Equal(0f, actual[1]);
    }

    [Fact]
    public void GeluBackward_RandomAndExtremeInputs_ScaleByTheDerivative()
    {
        var x = TestData.Uniform(1003, 12, 8f);
        x[0] = 100f;
        x[1] = -100f;
        x[2] = 0f;
        var gradient = TestData.Uniform(1003, 13, 2f);
        var expected = gradient.Select((g, i) => (float)(g * Gelu.DerivativeReference(x[i]))).ToArray();

        Gelu.Backward(x, gradient);

        TestData.AssertClose(expected, gradient, 1e-5, "gelu_new derivative");
        Assert.Equal(expected[0], gradient[0]);    // slope 1 far right, 0 far left
        Assert.Equal(0f, gradient[1]);
    }

    [Fact]
    public void LayerNorm_KnownVector_MatchesPyTorch()
    {
        float[] x = [1, 2, 3, 4];
        var y = new float[4];
        LayerNorm.Forward(x, [], [], 1e-5f, 4, y);
        // torch.nn.functional.layer_norm([1, 2, 3, 4], eps=1e-5), sae-formats.md §7.
        TestData.AssertClose([-1.3416354f, -0.4472118f, 0.4472118f, 1.3416354f], y, 1e-6, "layer norm");
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(5, 96)]
    [InlineData(3, 771)]
    public void LayerNorm_RandomRowsWithGainAndBias_MatchesReference(int rows, int d)
    {
        var x = TestData.Uniform(rows * d, 12, 3f);
        for (var i = 0; i < x.Length; i++) x[i] += 5f;   // a large mean: the two-pass variance must not cancel
        var gain = TestData.Uniform(d, 13);
        var bias = TestData.Uniform(d, 14);
        var expected = new float[x.Length];
        LayerNorm.Reference(x, gain, bias, 1e-5f, d, expected);
        var actual = new float[x.Length];
        var normalized = new float[x.Length];
        LayerNorm.Forward(x, gain, bias, 1e-5f, d, actual, normalized);
        TestData.AssertClose(expected, actual, 1e-5, "layer norm");

        var plain = new float[x.Length];
        LayerNorm.Reference(x, [], [], 1e-5f, d, plain);
        TestData.AssertClose(plain, normalized, 1e-5, "hook_normalized (before gain)");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 17)]
    [InlineData(3, 50257)]
    public void Softmax_RandomRows_MatchesReferenceAndSumsToOne(int rows, int n)
    {
        var x = TestData.Uniform(rows * n, 15, 30f);
        x[0] = 1000f;   // stability: exp(1000) overflows unless the max is subtracted
        var expected = new float[x.Length];
        Softmax.Reference(x, n, expected);
        var actual = new float[x.Length];
        Softmax.Forward(x, n, actual);
        TestData.AssertClose(expected, actual, 1e-5, "softmax");
        for (var r = 0; r < rows; r++) Assert.Equal(1.0, actual.AsSpan(r * n, n).ToArray().Sum(v => (double)v), 1e-4);
    }

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(2, 7, 3, 5)]
    [InlineData(3, 33, 6, 16)]
    [InlineData(1, 130, 12, 64)]
    public void CausalAttention_FusedAndTwoPhase_MatchReference(int batch, int tokens, int heads, int headDim)
    {
        var size = batch * tokens * heads * headDim;
        var q = TestData.Uniform(size, 16, 2f);
        var k = TestData.Uniform(size, 17, 2f);
        var v = TestData.Uniform(size, 18);
        var expectedZ = new float[size];
        var expectedPattern = new float[batch * heads * tokens * tokens];
        CausalAttention.Reference(q, k, v, batch, tokens, heads, headDim, expectedZ, expectedPattern);

        var fused = new float[size];
        CausalAttention.Forward(q, k, v, batch, tokens, heads, headDim, fused);
        TestData.AssertClose(expectedZ, fused, 1e-5, "fused z");

        var pattern = new float[expectedPattern.Length];
        var z = new float[size];
        CausalAttention.ComputePattern(q, k, batch, tokens, heads, headDim, pattern);
        CausalAttention.ApplyPattern(pattern, v, batch, tokens, heads, headDim, z);
        TestData.AssertClose(expectedPattern, pattern, 1e-5, "pattern");
        TestData.AssertClose(expectedZ, z, 1e-5, "two-phase z");
    }
}
