using FeatureAtlas.Core.Similarity;
using FeatureAtlas.Core.Tests.TestSupport;

namespace FeatureAtlas.Core.Tests.Similarity;

public class CosineSearchTests
{
    [Theory]
    [InlineData(1, 37, 13, 5, false)]
    [InlineData(150, 257, 33, 10, false)]
    [InlineData(300, 300, 70, 10, true)]
    public void TopK_RandomUnitRows_MatchesBruteForce(int m, int n, int d, int k, bool self)
    {
        var keys = CosineSearch.Normalize(TestData.Uniform(n * d, 1), n, d);
        var queries = self ? keys : CosineSearch.Normalize(TestData.Uniform(m * d, 2), m, d);
        var result = CosineSearch.TopK(queries, m, CosineSearch.PackKeys(keys, n, d), k, excludeSelf: self);
        for (var i = 0; i < m; i++)
        {
            var expected = Enumerable.Range(0, n).Where(j => !self || j != i)
                .Select(j => (Index: j, Cos: Enumerable.Range(0, d).Sum(t => (double)queries[i * d + t] * keys[j * d + t])))
                .OrderByDescending(p => p.Cos).Take(k).ToArray();
            for (var r = 0; r < k; r++)
            {
                Assert.Equal(expected[r].Cos, result.SimilaritiesOf(i)[r], 4);
                // Near-ties may swap; the index must at least carry the expected similarity.
                if (result.IndicesOf(i)[r] != expected[r].Index) Assert.Equal(expected[r].Cos, expected.First(p => p.Index == result.IndicesOf(i)[r]).Cos, 4);
            }
        }
    }

    [Fact]
    public void TopK_SmallBlocks_SameAsOneBlock()
    {
        // 40,000 keys make blocks of 419 rows; 1,000 queries cross two block boundaries.
        const int n = 40_000, d = 8, m = 1000;
        var keys = CosineSearch.Normalize(TestData.Uniform(n * d, 3), n, d);
        var packed = CosineSearch.PackKeys(keys, n, d);
        var all = CosineSearch.TopK(keys.AsSpan(0, m * d), m, packed, 3);
        var last = CosineSearch.TopK(keys.AsSpan((m - 1) * d, d), 1, packed, 3);
        Assert.Equal(all.IndicesOf(m - 1).ToArray(), last.IndicesOf(0).ToArray());
        Assert.Equal(m - 1, all.IndicesOf(m - 1)[0]);   // a unit vector's best match is itself
    }
}
