namespace FeatureAtlas.Core.Explain;

/// <summary>
/// The baseline an explainer must beat: the single most frequent token at the max activation of the train
/// split's activating windows (ties: the larger summed max activation, then the lower id), as an explanation that
/// predicts 1 on that token and 0 elsewhere.
/// </summary>
public static class MaxTokenBaseline
{
    public const string Method = "baseline_max-token";

    public static TokenExplanation? Explain(IReadOnlyList<ActivationRecord> train, Func<int, string> tokenText)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(tokenText);
        var votes = new Dictionary<int, (int Count, double Mass)>();
        foreach (var record in train)
        {
            var at = -1;
            var max = 0f;
            for (var t = 0; t < record.Activations.Length; t++)
            {
                if (record.Activations[t] > max) (at, max) = (t, record.Activations[t]);
            }
            if (at < 0) continue;
            var token = record.Tokens[at];
            var (count, mass) = votes.GetValueOrDefault(token);
            votes[token] = (count + 1, mass + max);
        }
        if (votes.Count == 0) return null;
        var best = votes.OrderByDescending(v => v.Value.Count).ThenByDescending(v => v.Value.Mass).ThenBy(v => v.Key).First();
        var named = new ExplainedToken(best.Key, tokenText(best.Key), 0, best.Value.Count, 1.0);
        return new TokenExplanation(TokenStatsExplainer.Compose([named], nearStart: false), [named]);
    }
}
