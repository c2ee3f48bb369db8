namespace FeatureAtlas.Core.Explain;

/// <summary>
/// The offline explainer that also says what a feature predicts (after Neuronpedia's <c>np_max-act-logits</c>): the
/// token-statistics explanation, plus its top positive logits and the token that follows the peak of its activating
/// train windows. It predicts the larger of the token-statistics prediction and, where the next token is one of the
/// top logits, the mean train activation at such positions: a "says X" feature fires before X.
/// </summary>
public sealed class LogitAwareExplainer(TokenStatsExplainer tokens, Func<int, string> tokenText, int logitTokens = 5, int minCount = 2)
{
    public const string Method = "atlas_max-act-logits";

    /// <summary>The explanation of the feature whose train split is <paramref name="train"/>; null when nothing in it activates.</summary>
    public LogitAwareExplanation? Explain(IReadOnlyList<ActivationRecord> train, IReadOnlyList<int>? positiveLogits)
    {
        ArgumentNullException.ThrowIfNull(train);
        var basis = tokens.Explain(train);
        if (basis is null) return null;
        var says = (positiveLogits ?? []).Take(logitTokens).ToArray();
        var saysSet = says.ToHashSet();
        double sum = 0;
        var count = 0;
        var after = new Dictionary<int, int>();
        foreach (var r in train)
        {
            for (var t = 0; t + 1 < r.Tokens.Length; t++)
            {
                if (!saysSet.Contains(r.Tokens[t + 1])) continue;
                sum += r.Activations[t];
                count++;
            }
            if (r.Kind == ExampleKind.Random || !r.IsActivating) continue;
            var peak = Array.IndexOf(r.Activations, r.Max);
            if (peak + 1 < r.Tokens.Length) after[r.Tokens[peak + 1]] = after.GetValueOrDefault(r.Tokens[peak + 1]) + 1;
        }
        var weight = count >= minCount ? sum / count : 0;
        var next = after.OrderByDescending(a => a.Value).ThenBy(a => a.Key).Take(2).Where(a => a.Value >= minCount).Select(a => a.Key).ToArray();
        var text = basis.Text;
        if (says.Length > 0) text += "; says " + string.Join(" / ", says.Take(3).Select(t => TokenStatsExplainer.Quote(tokenText(t))));
        if (next.Length > 0) text += $" (next after the peak: {string.Join(" / ", next.Select(t => TokenStatsExplainer.Quote(tokenText(t))))})";
        return new LogitAwareExplanation(text, basis, weight > 0 ? says : [], weight, next);
    }
}
