namespace FeatureAtlas.Core.Explain;

/// <summary>
/// The offline explainer (autointerp-evals.md §7a): from a feature's train examples, the tokens most enriched at
/// activating positions (a &gt; 0) relative to their corpus base rate, by smoothed log-odds
/// <c>logit(p_act) − logit(p_base)</c> with <c>p_base = (c_all + α)/(N_all + αV)</c> and
/// <c>p_act = (c_act + β·p_base)/(N_act + β)</c>; the named tokens are the enriched ones (≥ MinEnrichment, ≥ MinCount
/// activating positions) in order of activation mass until they carry MassCoverage of it, plus a preceding token
/// when most activating occurrences follow it (and it is over-represented there), plus a start-of-context pattern.
/// Deterministic: ties go to the lower token id.
/// </summary>
public sealed class TokenStatsExplainer
{
    private readonly CorpusTokenCounts _corpus;
    private readonly Func<int, string> _tokenText;
    private readonly ExplainOptions _options;

    public TokenStatsExplainer(CorpusTokenCounts corpus, Func<int, string> tokenText, ExplainOptions options)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(tokenText);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _corpus = corpus;
        _tokenText = tokenText;
        _options = options;
    }

    /// <summary>The method name stored with these explanations.</summary>
    public const string Method = "atlas_token-stats";

    /// <summary>The explanation of the feature whose train split is <paramref name="train"/>, or null when nothing in it activates.</summary>
    public TokenExplanation? Explain(IReadOnlyList<ActivationRecord> train)
    {
        ArgumentNullException.ThrowIfNull(train);
        var stats = new Dictionary<int, TokenStats>();
        long activeCount = 0;
        double totalMass = 0, startMass = 0, startSum = 0;
        long startCount = 0;
        foreach (var record in train)
        {
            for (var t = 0; t < record.Tokens.Length; t++)
            {
                var token = record.Tokens[t];
                double a = record.Activations[t];
                if (!stats.TryGetValue(token, out var s)) stats[token] = s = new TokenStats();
                s.Occurrences++;
                s.OccurrenceMass += a;
                if (t >= 1 && t <= _options.StartPositions)
                {
                    startSum += a;
                    startCount++;
                }
                if (a <= 0) continue;
                s.ActiveCount++;
                s.ActiveMass += a;
                activeCount++;
                totalMass += a;
                if (t >= 1 && t <= _options.StartPositions) startMass += a;
                if (t > 0)
                {
                    var previous = record.Tokens[t - 1];
                    s.Preceding[previous] = s.Preceding.GetValueOrDefault(previous) + 1;
                }
            }
        }
        if (activeCount == 0) return null;

        var alpha = _options.BaseAlpha;
        var beta = _options.PriorCounts;
        var baseDenominator = _corpus.Total + alpha * _corpus.Vocab;
        var candidates = new List<(int Token, TokenStats Stats, double Enrichment)>();
        foreach (var (token, s) in stats)
        {
            if (s.ActiveCount == 0) continue;
            var pBase = (_corpus.Count(token) + alpha) / baseDenominator;
            var pAct = (s.ActiveCount + beta * pBase) / (activeCount + beta);
            candidates.Add((token, s, Logit(pAct) - Logit(pBase)));
        }
        candidates.Sort((x, y) => x.Stats.ActiveMass != y.Stats.ActiveMass ? y.Stats.ActiveMass.CompareTo(x.Stats.ActiveMass) : x.Token.CompareTo(y.Token));

        var chosen = new List<(int Token, TokenStats Stats, double Enrichment)>();
        double covered = 0;
        foreach (var c in candidates)
        {
            if (c.Stats.ActiveCount < _options.MinCount || c.Enrichment < _options.MinEnrichment) continue;
            chosen.Add(c);
            covered += c.Stats.ActiveMass;
            if (chosen.Count == _options.MaxTokens || covered >= _options.MassCoverage * totalMass) break;
        }
        if (chosen.Count == 0) chosen.Add(candidates[0]);   // nothing clearly enriched: the heaviest token

        var named = new List<ExplainedToken>(chosen.Count);
        foreach (var (token, s, enrichment) in chosen) named.Add(Describe(token, s, enrichment, train));

        double? startWeight = totalMass > 0 && startMass / totalMass >= _options.StartShare && startCount > 0 ? startSum / startCount : null;
        return new TokenExplanation(Compose(named, startWeight is not null), named, startWeight, startWeight is null ? 0 : _options.StartPositions);
    }

    private ExplainedToken Describe(int token, TokenStats s, double enrichment, IReadOnlyList<ActivationRecord> train)
    {
        var text = _tokenText(token);
        var best = -1;
        var bestCount = 0;
        foreach (var (previous, count) in s.Preceding)
        {
            if (count > bestCount || (count == bestCount && previous < best)) (best, bestCount) = (previous, count);
        }
        var share = bestCount / (double)s.ActiveCount;
        var hasContext = best >= 0 && bestCount >= _options.MinCount && share >= _options.MinContextShare
            && share >= _options.MinContextLift * _corpus.PrecedingShare(best, token);
        if (!hasContext) return new ExplainedToken(token, text, enrichment, s.ActiveCount, s.OccurrenceMass / s.Occurrences);

        double inSum = 0, outSum = 0;
        long inCount = 0, outCount = 0;
        foreach (var record in train)
        {
            for (var t = 0; t < record.Tokens.Length; t++)
            {
                if (record.Tokens[t] != token) continue;
                if (t > 0 && record.Tokens[t - 1] == best)
                {
                    inSum += record.Activations[t];
                    inCount++;
                }
                else
                {
                    outSum += record.Activations[t];
                    outCount++;
                }
            }
        }
        return new ExplainedToken(token, text, enrichment, s.ActiveCount, outCount == 0 ? 0 : outSum / outCount, best, _tokenText(best), inSum / inCount);
    }

    /// <summary>"the token ' whale'", "the tokens ' whale' / ' whales', mostly after ' the'", "… (after ' the')", "…, near the start of the context".</summary>
    internal static string Compose(IReadOnlyList<ExplainedToken> named, bool nearStart)
    {
        var shared = named.All(n => n.Context is not null) && named.Select(n => n.Context).Distinct().Count() == 1;
        var parts = named.Select(n => shared || n.Context is null ? Quote(n.Text) : $"{Quote(n.Text)} (after {Quote(n.ContextText!)})");
        var text = (named.Count == 1 ? "the token " : "the tokens ") + string.Join(" / ", parts);
        if (shared) text += $", mostly after {Quote(named[0].ContextText!)}";
        if (nearStart) text += ", near the start of the context";
        return text;
    }

    /// <summary>A token's text in single quotes, control characters escaped so the explanation stays one line.</summary>
    internal static string Quote(string text) =>
        "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "'";

    private static double Logit(double p) => Math.Log(p) - Math.Log(1 - p);

    private sealed class TokenStats
    {
        public long Occurrences;
        public double OccurrenceMass;
        public int ActiveCount;
        public double ActiveMass;
        public readonly Dictionary<int, int> Preceding = [];
    }
}
