using System.Text.Json.Nodes;
using FeatureAtlas.Core.Explain;
using FeatureAtlas.Core.Explain.Llm;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Scores one stored explanation, of any author, as Neuronpedia's <c>explanation/score</c> does: on the feature's
/// held-out split (the explainer's test side: top and interval examples plus random windows), either offline, where
/// the text becomes a <see cref="KeywordPredictor"/> scored by <see cref="ExplanationScorer"/>, or through an
/// OpenAI-compatible model with <see cref="LlmScorer"/>. Scorer types are Neuronpedia's: <c>recall_alt</c> is the
/// fraction of windows classified right (its correct/total), <c>eleuther_recall</c> detection's balanced accuracy,
/// <c>eleuther_fuzz</c> fuzzing's (LLM only).
/// </summary>
public static class ExplanationScoreJob
{
    public const string Offline = "offline";

    public static readonly IReadOnlyList<string> Types = ["recall_alt", "eleuther_recall", "eleuther_fuzz"];

    private static readonly Lazy<string[]> Vocabulary = new(() =>
    {
        var tokenizer = Gpt2Tokenizer.CreateDefault();
        return tokenizer.GetTokenStrings(Enumerable.Range(0, tokenizer.VocabSize).ToArray());
    });

    /// <summary>Scores <paramref name="explanation"/> with <paramref name="llm"/> (null: offline); the record is not yet stored.</summary>
    public static async Task<ExplanationScoreRecord> RunAsync(ExplanationRecord explanation, string scorerType, OpenAiCompatibleClient? llm,
        ICorpusStore corpora, IModelStore models, IDashboardStore dashboards, ModelRuntime? runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(explanation);
        if (!Types.Contains(scorerType))
        {
            throw new ArgumentException($"scorerType '{scorerType}' is not one this server runs; it runs {string.Join(", ", Types)} (eleuther_embedding needs an embedding model it does not have).");
        }
        if (scorerType == "eleuther_fuzz" && llm is null)
        {
            throw new ArgumentException("scorerType 'eleuther_fuzz' asks a language model which tokens are highlighted right; this server scores offline (no LLM endpoint configured). recall_alt and eleuther_recall score offline.");
        }
        var key = explanation.Feature;
        var sae = await models.GetSaeAsync(key.Model, key.Sae, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"SAE '{key.Sae}' of model '{key.Model}' is not in the store.");
        var summary = await dashboards.GetDashboardSummaryAsync(key.Model, key.Sae, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"SAE '{key.Sae}' of model '{key.Model}' has no dashboards, so its features have no examples to score on.");
        var feature = await dashboards.GetFeatureAsync(key.Model, key.Sae, key.Index, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"Feature {key} has no dashboard.");
        var windowIndexes = feature.Top.Concat(feature.Intervals.SelectMany(g => g.Examples)).Select(e => e.Window).ToHashSet();
        if (windowIndexes.Count == 0) throw new ArgumentException($"Feature {key} never activates on the corpus, so there is nothing to score its explanation on.");
        var windows = await corpora.ReadWindowsAsync(summary.Corpus, windowIndexes, cancellationToken).ConfigureAwait(false);
        var options = new ExplainJobOptions { Model = key.Model, Sae = key.Sae, CheckpointDirectory = "" };
        var (pool, _) = await ExplainJob.PoolAsync(options, corpora, models, sae, summary, runtime, cancellationToken).ConfigureAwait(false);
        var examples = FeatureExamples.Split(feature, windows, pool, options.Explain.Seed);

        JsonObject details;
        double value;
        if (llm is null)
        {
            var predictor = KeywordPredictor.Create(explanation.Text, Vocabulary.Value);
            var scores = ExplanationScorer.Score(predictor, examples);
            details = ExplainJob.Offline(scores);
            details["scorer"] = "keyword";
            details["named"] = new JsonArray(predictor.Named.Select(n => (JsonNode)n).ToArray());
            details["matched_tokens"] = predictor.Tokens.Count;
            value = scorerType == "recall_alt" ? scores.DetectionAccuracy : scores.DetectionBalancedAccuracy;
        }
        else
        {
            var scorer = new LlmScorer(llm, t => (uint)t < (uint)Vocabulary.Value.Length ? Vocabulary.Value[t] : $"<{t}>", logprobs: false, options.Explain.Seed);
            var classified = scorerType == "eleuther_fuzz"
                ? await scorer.FuzzingAsync(explanation.Text, examples, cancellationToken).ConfigureAwait(false)
                : await scorer.DetectionAsync(explanation.Text, examples, cancellationToken).ConfigureAwait(false);
            if (classified.Answered == 0) throw new InvalidDataException($"The scorer model '{llm.Model}' answered none of {classified.Failed} examples in the expected form; nothing was scored.");
            details = ExplainJob.Classifier(classified);
            value = scorerType == "recall_alt" ? classified.Accuracy : classified.BalancedAccuracy;
        }
        details["negatives"] = pool.Measured ? "measured" : "assumed-zero";
        if (!double.IsFinite(value)) throw new ArgumentException($"Feature {key}'s held-out examples cannot score this explanation (no test windows of one class).");
        return new ExplanationScoreRecord(scorerType, llm?.Model ?? Offline, value, details.ToJsonString(), DateTimeOffset.UtcNow);
    }
}
