using System.Text.Json.Nodes;
using FeatureAtlas.Core.Statistics;
using FeatureAtlas.TestSupport;

namespace FeatureAtlas.Core.Tests.Statistics;

/// <summary>
/// The Mann–Whitney test and the normal tail against tests/reference/make_tsea_golden.py (brute-force ranks in numpy,
/// p from Python's math.erfc): Gaussian, tied and heavy-tailed scores, sets from random to strongly enriched.
/// </summary>
public class RankSumGoldenTests
{
    private static readonly Lazy<JsonObject> GoldenJson = new(() => (JsonObject)JsonNode.Parse(File.ReadAllText(Golden.Path("tsea_golden.json")))!);

    public static TheoryData<string> Cases() => new(GoldenJson.Value["cases"]!.AsArray().Select(c => (string)c!["name"]!));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Test_OnReferenceScores_MatchesBruteForceRanks(string name)
    {
        var golden = GoldenJson.Value["cases"]!.AsArray().Single(c => (string)c!["name"]! == name)!;
        var scores = golden["scores"]!.AsArray().Select(v => (float)(double)v!).ToArray();
        var test = new RankSum(scores.Length);
        test.Rank(scores, new float[scores.Length]);
        foreach (var (set, expected) in golden["sets"]!.AsObject())
        {
            var members = expected!["tokens"]!.AsArray().Select(t => (int)t!).ToArray();
            var r = test.Test(members);
            Assert.Equal((int)expected["members"]!, r.Members);
            Assert.True(Math.Abs((double)expected["auc"]! - r.Auc) < 1e-12, $"{name}/{set}: AUC {r.Auc}, expected {expected["auc"]}");
            Assert.True(Math.Abs((double)expected["z"]! - r.Z) < 1e-9, $"{name}/{set}: z {r.Z}, expected {expected["z"]}");
            var p = (double)expected["neg_log10_p"]!;
            Assert.True(Math.Abs(p - r.NegLog10P) <= 1e-9 + 1e-9 * Math.Abs(p), $"{name}/{set}: -log10 p {r.NegLog10P}, expected {p}");
        }
    }

    [Fact]
    public void NegLog10Upper_OnReferenceGrid_MatchesErfc()
    {
        foreach (var pair in GoldenJson.Value["normal_tail"]!.AsArray())
        {
            double z = (double)pair![0]!, expected = (double)pair[1]!;
            var actual = NormalTail.NegLog10Upper(z);
            Assert.True(Math.Abs(actual - expected) <= 1e-12 + 1e-11 * Math.Abs(expected), $"z = {z}: {actual}, expected {expected}");
        }
    }

    [Fact]
    public void NegLog10Upper_FarPastUnderflow_GrowsAsTheAsymptote()
    {
        // Q(z) = φ(z)/z · (1 − 1/z² + …) for large z: at z = 60 about 10^-783.9, which no double holds; −log10 Q must
        // still be finite, just above −log10(φ(z)/z) by −log10(1 − 1/z²) ≈ 1.2e-4.
        var z = 60.0;
        var asymptote = (0.5 * z * z + 0.5 * Math.Log(2 * Math.PI) + Math.Log(z)) / Math.Log(10);
        Assert.InRange(NormalTail.NegLog10Upper(z), asymptote + 1e-4, asymptote + 1.5e-4);
    }

    [Fact]
    public void Test_WithEveryTokenOrNone_IsUndefined()
    {
        var test = new RankSum(4);
        test.Rank([1f, 2f, 3f, 4f], new float[4]);
        Assert.True(double.IsNaN(test.Test([]).Auc));
        Assert.True(double.IsNaN(test.Test([0, 1, 2, 3]).Auc));
    }
}
