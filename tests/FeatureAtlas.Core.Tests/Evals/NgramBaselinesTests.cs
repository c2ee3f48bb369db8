using FeatureAtlas.Core.Evals;

namespace FeatureAtlas.Core.Tests.Evals;

/// <summary>
/// The baselines on a corpus small enough to count by hand: training sequences [0 1 0 1] and [1 2], vocabulary 4.
/// Pairs (0 1) ×2, (1 0), (1 2); targets 1, 0, 1, 2 (N = 4); n₁ = 2, n₂ = 1, so D = 2/(2 + 2) = 0.5; three bigram types;
/// N₁₊(• w) = 1 for w = 0, 1, 2 and 0 for 3, so P_cont = 0.5/3 + 0.5·3/3/4 = 7/24 for 0, 1, 2 and 1/8 for 3.
/// </summary>
public sealed class NgramBaselinesTests
{
    private static NgramBaselines Fit() => NgramBaselines.Fit([[0, 1, 0, 1], [1, 2]], 4);

    [Fact]
    public void Fit_HandCountedCorpus_GivesTheHandComputedProbabilities()
    {
        var b = Fit();

        Assert.Equal(4, b.Targets);
        Assert.Equal(0.5, b.Discount, 12);
        Assert.Equal(3.0 / 8, b.Unigram(1), 12);      // (2 + 1)/(4 + 4)
        Assert.Equal(1.0 / 8, b.Unigram(3), 12);      // unseen: (0 + 1)/(4 + 4)
        Assert.Equal(7.0 / 24, b.Continuation(0), 12);
        Assert.Equal(1.0 / 8, b.Continuation(3), 12);
        Assert.Equal(79.0 / 96, b.Bigram(0, 1), 12);  // (2 − 0.5)/2 + 0.5·1/2·7/24
        Assert.Equal(19.0 / 48, b.Bigram(1, 2), 12);  // (1 − 0.5)/2 + 0.5·2/2·7/24
        Assert.Equal(3.0 / 48, b.Bigram(1, 3), 12);   // 0 + 0.5·2/2·1/8
        Assert.Equal(1.0 / 8, b.Bigram(3, 3), 12);    // unseen context: P_cont
    }

    [Fact]
    public void Bigram_EveryContext_SumsToOne()
    {
        var b = Fit();
        for (var v = 0; v < 4; v++) Assert.Equal(1.0, Enumerable.Range(0, 4).Sum(w => b.Bigram(v, w)), 12);
        Assert.Equal(1.0, Enumerable.Range(0, 4).Sum(b.Unigram), 12);
    }

    [Fact]
    public void CrossEntropy_HeldOutSequence_IsTheMeanNegativeLogProbability()
    {
        var (unigram, bigram, targets) = Fit().CrossEntropy([[0, 1, 2]]);

        Assert.Equal(2, targets);
        Assert.Equal(-(Math.Log(3.0 / 8) + Math.Log(2.0 / 8)) / 2, unigram, 12);
        Assert.Equal(-(Math.Log(79.0 / 96) + Math.Log(19.0 / 48)) / 2, bigram, 12);
    }
}
