using System.Text.Json;
using FeatureAtlas.Core.Explain;

namespace FeatureAtlas.Core.Tests.Explain;

/// <summary>
/// The offline explainer, the max-token baseline and the scorer against tests/reference/make_explain_golden.py, a
/// plain-Python implementation of the same definitions on a feature with a known rule (token 7 fires after token
/// 3). Activations are multiples of 1/4, so the only rounding is in sums: 1e-12 relative.
/// </summary>
public class ExplainGoldenTests
{
    private const double Tolerance = 1e-12;
    private static readonly Lazy<JsonElement> s_golden = new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "golden", "explain_golden.json"))).RootElement);

    private static JsonElement Golden => s_golden.Value;

    [Fact]
    public void Explain_TokenFiringAfterContext_NamesTokenContextAndWeightsAsReference()
    {
        var explanation = Explainer().Explain(Records("train"))!;

        var expected = Golden.GetProperty("offline");
        Assert.Equal(expected.GetProperty("text").GetString(), explanation.Text);
        Assert.Equal("the token 't7', mostly after 't3'", explanation.Text);
        var tokens = expected.GetProperty("tokens").EnumerateArray().ToArray();
        Assert.Equal(tokens.Length, explanation.Tokens.Count);
        for (var i = 0; i < tokens.Length; i++)
        {
            var (want, got) = (tokens[i], explanation.Tokens[i]);
            Assert.Equal(want.GetProperty("token").GetInt32(), got.Token);
            Assert.Equal(want.GetProperty("active_count").GetInt32(), got.ActiveCount);
            AssertClose(want.GetProperty("enrichment").GetDouble(), got.Enrichment, "enrichment");
            AssertClose(want.GetProperty("weight").GetDouble(), got.Weight, "weight");
            var context = want.GetProperty("context");
            Assert.Equal(context.ValueKind == JsonValueKind.Null ? null : context.GetInt32(), got.Context);
            AssertClose(want.GetProperty("context_weight").GetDouble(), got.ContextWeight, "context weight");
        }
        Assert.Null(explanation.StartWeight);
    }

    [Fact]
    public void Score_OfflineExplanation_MatchesReferenceScores()
    {
        var explanation = Explainer().Explain(Records("train"))!;
        AssertScores(Golden.GetProperty("offline").GetProperty("scores"), ExplanationScorer.Score(explanation, Examples()));
    }

    [Fact]
    public void Score_MaxTokenBaseline_MatchesReferenceAndLosesToOffline()
    {
        var baseline = MaxTokenBaseline.Explain(Records("train"), Name)!;
        var expected = Golden.GetProperty("baseline");
        Assert.Equal(expected.GetProperty("token").GetInt32(), baseline.Tokens.Single().Token);
        Assert.Equal(expected.GetProperty("text").GetString(), baseline.Text);
        var scores = ExplanationScorer.Score(baseline, Examples());
        AssertScores(expected.GetProperty("scores"), scores);

        var offline = ExplanationScorer.Score(Explainer().Explain(Records("train"))!, Examples());
        Assert.True(offline.Correlation > scores.Correlation + 0.3, $"offline r {offline.Correlation}, baseline r {scores.Correlation}");
    }

    private static TokenStatsExplainer Explainer()
    {
        var corpus = Golden.GetProperty("corpus").EnumerateArray().Select(w => w.EnumerateArray().Select(t => t.GetInt32()).ToArray());
        var counts = CorpusTokenCounts.Create(corpus, Golden.GetProperty("vocab").GetInt32(), Golden.GetProperty("bos").GetInt32());
        return new TokenStatsExplainer(counts, Name, new ExplainOptions());
    }

    private static string Name(int token) => $"t{token}";

    private static FeatureExamples Examples() => new(0, Records("train"), Records("test"));

    private static ActivationRecord[] Records(string split) => Golden.GetProperty(split).EnumerateArray().Select(r => new ActivationRecord(
        r.GetProperty("window").GetInt32(),
        Enum.Parse<ExampleKind>(r.GetProperty("kind").GetString()!),
        r.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray(),
        r.GetProperty("activations").EnumerateArray().Select(a => (float)a.GetDouble()).ToArray())).ToArray();

    private static void AssertScores(JsonElement expected, ExplanationScores actual)
    {
        AssertClose(expected.GetProperty("correlation").GetDouble(), actual.Correlation, "correlation");
        Assert.Equal(expected.GetProperty("tokens").GetInt32(), actual.Tokens);
        AssertClose(expected.GetProperty("detection_accuracy").GetDouble(), actual.DetectionAccuracy, "accuracy");
        AssertClose(expected.GetProperty("detection_balanced_accuracy").GetDouble(), actual.DetectionBalancedAccuracy, "balanced accuracy");
        AssertClose(expected.GetProperty("detection_auroc").GetDouble(), actual.DetectionAuroc, "AUROC");
        AssertClose(expected.GetProperty("threshold").GetDouble(), actual.Threshold, "threshold");
        Assert.Equal(expected.GetProperty("test_activating").GetInt32(), actual.TestActivating);
        Assert.Equal(expected.GetProperty("test_non_activating").GetInt32(), actual.TestNonActivating);
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: {actual}, expected {expected}.");
}
