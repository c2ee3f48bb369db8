using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Similarity;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Tests.Similarity;

public class SimilarFeaturesTests
{
    private static readonly Gpt2Config Tiny = new() { Layers = 2, DModel = 64, Heads = 2, Vocab = 100, Positions = 32, DMlp = 256 };

    [Fact]
    public void Find_ThreeSaes_MatchesBruteForceAndSkipsSelf()
    {
        var saes = new[] { 200, 300, 150 }.Select((s, i) => SaeInitializer.Create(Tiny, "tiny", $"blocks.{i % 2}.hook_resid_pre", s, SaeArchitecture.Standard, (ulong)i, name: $"sae{i}")).ToArray();
        var source = saes[0];
        const int index = 17;
        var found = SimilarFeatures.Find(source, index, saes, k: 10);
        Assert.Equal(["sae0", "sae1", "sae2"], found.Select(f => f.Sae));
        for (var s = 0; s < saes.Length; s++)
        {
            var sae = saes[s];
            var expected = Enumerable.Range(0, sae.DSae).Where(j => s != 0 || j != index)
                .Select(j => (Index: j, Cos: Cosine(source, index, sae, j))).OrderByDescending(p => p.Cos).Take(10).ToArray();
            Assert.Equal(expected.Select(p => p.Index), found[s].Features.Select(f => f.Index));
            for (var r = 0; r < 10; r++) Assert.Equal(expected[r].Cos, found[s].Features[r].Cosine, 4);
        }
    }

    private static double Cosine(SparseAutoencoder a, int i, SparseAutoencoder b, int j)
    {
        double dot = 0, na = 0, nb = 0;
        for (var t = 0; t < a.DIn; t++)
        {
            double x = a.Parameters.WDec[i * a.DIn + t], y = b.Parameters.WDec[j * b.DIn + t];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return dot / Math.Sqrt(na * nb);
    }

    [Fact]
    public void Compare_PermutedNoisyCopy_FindsEveryMatchAndTheUniqueFeatures()
    {
        // B holds A's first 250 features, shuffled and nudged (cosine ≈ 0.99), plus 40 new random directions;
        // A's last 50 features have no counterpart. In 64 dimensions unrelated unit vectors stay below 0.7.
        const int d = 64, a = 300, shared = 250, extra = 40, b = shared + extra;
        var unitA = CosineSearch.Normalize(Normal(a * d, "a"), a, d);
        var permutation = Enumerable.Range(0, b).OrderBy(i => CounterRandom.Uniform(CounterRandom.Stream(5, "perm"), (ulong)i)).ToArray();
        var noise = Normal(b * d, "noise");
        var fresh = Normal(extra * d, "fresh");
        var rawB = new float[b * d];
        for (var i = 0; i < b; i++)
        {
            var row = permutation[i];
            for (var t = 0; t < d; t++) rawB[row * d + t] = i < shared ? unitA[i * d + t] + 0.02f * noise[i * d + t] : fresh[(i - shared) * d + t];
        }
        var unitB = CosineSearch.Normalize(rawB, b, d);

        var comparison = SaeComparison.Create(unitA, a, unitB, b, d, threshold: 0.7f, bins: 20);
        for (var i = 0; i < shared; i++)
        {
            Assert.Equal(permutation[i], comparison.BestInB[i]);
            Assert.True(comparison.BestInBCosine[i] > 0.95f);
            Assert.Equal(i, comparison.BestInA[permutation[i]]);
        }
        Assert.Equal(Enumerable.Range(shared, a - shared), comparison.UniqueToA.Order());
        Assert.Equal(Enumerable.Range(shared, extra).Select(i => permutation[i]).Order(), comparison.UniqueToB.Order());
        Assert.Equal(shared, comparison.MutualMatches - CountRandomMutual(comparison, shared));
        Assert.Equal(a, comparison.HistogramAToB.Sum());
        Assert.Equal(b, comparison.HistogramBToA.Sum());
        Assert.Equal(shared, comparison.HistogramAToB[^1]);   // cosines in (0.9, 1]
    }

    /// <summary>Unique features that happen to be each other's best match are mutual too; count those.</summary>
    private static int CountRandomMutual(SaeComparison c, int shared) =>
        Enumerable.Range(shared, c.FeaturesA - shared).Count(i => c.BestInA[c.BestInB[i]] == i);

    private static float[] Normal(int length, string name)
    {
        var values = new float[length];
        CounterRandom.FillNormal(values, CounterRandom.Stream(9, name), 1f);
        return values;
    }
}
