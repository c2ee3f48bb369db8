using FeatureAtlas.Core.Explain;

namespace FeatureAtlas.Core.Tests.Explain;

/// <summary>A "says X" feature: it fires on whatever token precedes X, so only the logit-aware explainer predicts it.</summary>
public class LogitAwareExplainerTests
{
    private const int X = 7;

    private static ActivationRecord Record(int window, int[] tokens) =>
        new(window, ExampleKind.Top, tokens, tokens.Select((_, t) => t + 1 < tokens.Length && tokens[t + 1] == X ? 2f : 0f).ToArray());

    [Fact]
    public void Explain_SaysFeature_PredictsThePositionBeforeTheSaidToken()
    {
        var train = new[]
        {
            Record(0, [1, 2, X, 3]), Record(1, [4, 5, X, 9]), Record(2, [6, 8, X, 1]), Record(3, [3, 4, 5, 6]),
        };
        var corpus = CorpusTokenCounts.Create([[1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3]], vocab: 16, bosTokenId: 15);
        var tokens = new TokenStatsExplainer(corpus, t => $"t{t}", new ExplainOptions { MinCount = 1 });
        var explanation = new LogitAwareExplainer(tokens, t => $"t{t}").Explain(train, [X, 12, 13]);
        Assert.NotNull(explanation);
        Assert.Contains("says 't7'", explanation.Text, StringComparison.Ordinal);
        Assert.Contains("next after the peak: 't7'", explanation.Text, StringComparison.Ordinal);
        Assert.Equal(2.0, explanation.SaysWeight, 6);
        // Positions 1-3 also carry the start-of-context pattern (every train activation is at position 1); look past them.
        var predicted = new float[7];
        explanation.Predict([10, 11, 12, 13, 14, X, 10], predicted);
        Assert.Equal(2f, predicted[4]);
        Assert.Equal(0f, predicted[5]);
    }

    [Fact]
    public void Explain_WithoutLogits_IsTheTokenExplanation()
    {
        var train = new[] { Record(0, [1, 2, X, 3]), Record(1, [4, 2, X, 9]) };
        var corpus = CorpusTokenCounts.Create([[1, 2, 3, 4, 5, 6, 7, 8, 9]], vocab: 16, bosTokenId: 15);
        var tokens = new TokenStatsExplainer(corpus, t => $"t{t}", new ExplainOptions { MinCount = 1 });
        var explanation = new LogitAwareExplainer(tokens, t => $"t{t}").Explain(train, null)!;
        Assert.Empty(explanation.Says);
        Assert.DoesNotContain("says", explanation.Text, StringComparison.Ordinal);
    }
}
