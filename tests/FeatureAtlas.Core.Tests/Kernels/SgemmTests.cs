using FeatureAtlas.Core.Kernels;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Kernels;

public class SgemmTests
{
    public static TheoryData<GemmPath, int, int, int> Shapes()
    {
        var data = new TheoryData<GemmPath, int, int, int>();
        foreach (var path in new[] { GemmPath.Vector512, GemmPath.Vector256, GemmPath.Scalar })
        {
            // Odd tails in every dimension; 600 crosses the 256-wide K blocks, 200 and 530 the M and N tiles.
            foreach (var (m, k, n) in new[] { (1, 1, 1), (7, 13, 33), (9, 257, 17), (97, 65, 130), (200, 600, 530), (3, 96, 50), (2, 600, 77), (4, 257, 33) })
            {
                data.Add(path, m, k, n);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Multiply_PackedWithBias_MatchesReference(GemmPath path, int m, int k, int n)
    {
        if (!GemmPaths.IsSupported(path))
        {
            Assert.NotEqual(path, GemmPaths.Best);   // an unsupported path must never be chosen
            return;
        }
        var a = TestData.Uniform(m * k, 1);
        var b = TestData.Uniform(k * n, 2);
        var bias = TestData.Uniform(n, 3);
        var expected = new float[m * n];
        SgemmReference.Multiply(a, b, expected, m, k, n, bias: bias);

        var actual = new float[m * n];
        Sgemm.Multiply(a, PackedMatrix.Pack(b, k, n, transposed: false, path), actual, m, bias);

        TestData.AssertClose(expected, actual, 1e-5, $"{path} {m}x{k}x{n}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Multiply_TransposedAccumulate_MatchesReference(GemmPath path, int m, int k, int n)
    {
        if (!GemmPaths.IsSupported(path))
        {
            Assert.NotEqual(path, GemmPaths.Best);   // an unsupported path must never be chosen
            return;
        }
        var a = TestData.Uniform(m * k, 4);
        var bt = TestData.Uniform(n * k, 5);
        var initial = TestData.Uniform(m * n, 6);
        var expected = (float[])initial.Clone();
        SgemmReference.Multiply(a, bt, expected, m, k, n, transposeB: true, accumulate: true);

        var actual = (float[])initial.Clone();
        Sgemm.Multiply(a, PackedMatrix.Pack(bt, k, n, transposed: true, path), actual, m, accumulate: true);

        TestData.AssertClose(expected, actual, 1e-5, $"{path} {m}x{k}x{n} transposed, accumulate");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Multiply_SkinnyRows_SameBitsAsTheBlockedPath(int m)
    {
        // Decode steps (m ≤ 4) take the skinny path; a KV-cache step must equal a full recompute exactly.
        const int k = 600, n = 77, tall = 9;
        var a = TestData.Uniform(tall * k, 7);
        var b = PackedMatrix.Pack(TestData.Uniform(k * n, 8), k, n);
        var bias = TestData.Uniform(n, 9);
        var initial = TestData.Uniform(tall * n, 10);
        var blocked = (float[])initial.Clone();
        Sgemm.Multiply(a, b, blocked, tall, bias, accumulate: true);

        var skinny = initial[..(m * n)];
        Sgemm.Multiply(a.AsSpan(0, m * k), b, skinny, m, bias, accumulate: true);

        Assert.Equal(blocked[..(m * n)], skinny);
    }

    [Fact]
    public void Multiply_UnpackedTransposed_MatchesReference()
    {
        const int m = 37, k = 64, n = 45;
        var a = TestData.Uniform(m * k, 7);
        var bt = TestData.Uniform(n * k, 8);
        var expected = new float[m * n];
        SgemmReference.Multiply(a, bt, expected, m, k, n, transposeB: true);

        var actual = new float[m * n];
        Sgemm.Multiply(a, bt, actual, m, k, n, transposeB: true);

        TestData.AssertClose(expected, actual, 1e-5, "unpacked A·Bᵀ");
    }

    [Fact]
    public void Multiply_ShortDestination_ThrowsNamingShape()
    {
        var b = PackedMatrix.Pack(new float[6], 2, 3);
        var error = Assert.Throws<ArgumentException>(() => Sgemm.Multiply(new float[4], b, new float[5], 2));
        Assert.Contains("[2, 3]", error.Message);
    }
}
