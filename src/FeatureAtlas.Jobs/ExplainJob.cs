using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Explain;
using FeatureAtlas.Core.Explain.Llm;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Tensors;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Core.Transcoders;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Explains and scores an SAE's features from their stored dashboards, batch by batch: each batch of explanations
/// is saved in one transaction (replacing the same method and model's earlier ones), then the checkpoint file
/// records the next feature, so a stopped run started again with the same options continues where it was (an LLM
/// run's cache folder makes the redone calls free). The checkpoint goes once every feature is stored.
/// </summary>
public static class ExplainJob
{
    private const string Magic = "FeatureAtlas explain checkpoint v2";   // v2: JobCheckpoint's binary file (v1 was text)

    /// <param name="runtime">Where the model already runs (the site's); without it the model and SAE are loaded from their folders for this run.</param>
    public static async Task<ExplainJobResult> RunAsync(ExplainJobOptions options, ICorpusStore corpora, IModelStore models, IDashboardStore dashboards, IExplanationStore explanations,
        OpenAiCompatibleClient? llm, IProgress<JobProgress>? progress, CancellationToken cancellationToken, ModelRuntime? runtime = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.First);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchFeatures);
        options.Explain.Validate();
        if (options.LlmStyle is not null && llm is null) throw new ArgumentException("An LLM explain run needs an endpoint.");
        var sae = await models.GetSaeAsync(options.Model, options.Sae, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"SAE '{options.Sae}' of model '{options.Model}' is not in the store.");
        var summary = await dashboards.GetDashboardSummaryAsync(options.Model, options.Sae, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"SAE '{options.Sae}' of model '{options.Model}' has no dashboards; build them with `atlas dashboards build`.");
        var end = (int)Math.Min(sae.DSae, options.Count is { } count ? (long)options.First + count : sae.DSae);
        var method = options.LlmStyle is { } style ? LlmExplainer.MethodName(style) : options.LogitAware ? LogitAwareExplainer.Method : TokenStatsExplainer.Method;
        var modelName = llm?.Model;

        var tokenizer = Gpt2Tokenizer.CreateDefault();
        var texts = tokenizer.GetTokenStrings(Enumerable.Range(0, tokenizer.VocabSize).ToArray());
        string Text(int token) => (uint)token < (uint)texts.Length ? texts[token] : $"<{token}>";

        progress?.Report(new JobProgress("corpus", 0, summary.Windows));
        var counts = CorpusTokenCounts.Create(await ReadAllAsync(corpora, summary.Corpus, summary.Windows, cancellationToken).ConfigureAwait(false), tokenizer.VocabSize, summary.Options.BosTokenId);
        var (pool, measure) = await PoolAsync(options, corpora, models, sae, summary, runtime, cancellationToken).ConfigureAwait(false);
        if (!options.TestTexts) measure = null;
        var explainer = new TokenStatsExplainer(counts, Text, options.Explain);
        var logitExplainer = options.LogitAware ? new LogitAwareExplainer(explainer, Text) : null;

        var key = JobKey(options, summary, method, modelName, end);
        Directory.CreateDirectory(options.CheckpointDirectory);
        var checkpoint = Path.Combine(options.CheckpointDirectory, $"explain-{key}.ckpt");
        var next = File.Exists(checkpoint) ? ReadCheckpoint(checkpoint, key) : options.First;

        progress?.Report(new JobProgress("features", next - options.First, end - options.First));
        while (next < end)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = await dashboards.GetFeaturesAsync(options.Model, options.Sae, next, Math.Min(options.BatchFeatures, end - next), cancellationToken).ConfigureAwait(false);
            var windowIndexes = batch.SelectMany(f => f.Top.Concat(f.Intervals.SelectMany(g => g.Examples))).Select(e => e.Window).ToHashSet();
            var windows = await corpora.ReadWindowsAsync(summary.Corpus, windowIndexes, cancellationToken).ConfigureAwait(false);
            var records = new ConcurrentBag<ExplanationRecord>();
            if (options.LlmStyle is { } llmStyle)
            {
                var scorer = new LlmScorer(llm!, Text, options.LlmLogprobs, options.Explain.Seed);
                var explainerLlm = new LlmExplainer(llm!, Text);
                await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (feature, ct) =>
                {
                    var examples = FeatureExamples.Split(feature, windows, pool, options.Explain.Seed);
                    if (!examples.Train.Any(r => r.IsActivating && r.Kind != ExampleKind.Random)) return;
                    var text = await explainerLlm.ExplainAsync(examples.Train, llmStyle, ct, feature.Logits?.PositiveTokens).ConfigureAwait(false);
                    var detection = await scorer.DetectionAsync(text, examples, ct).ConfigureAwait(false);
                    var fuzzing = await scorer.FuzzingAsync(text, examples, ct).ConfigureAwait(false);
                    var simulation = options.LlmLogprobs ? await scorer.SimulationAsync(text, examples, ct).ConfigureAwait(false) : null;
                    var scores = new JsonObject
                    {
                        ["detection"] = Classifier(detection), ["fuzzing"] = Classifier(fuzzing),
                        ["simulation_correlation"] = Number(simulation ?? double.NaN), ["negatives"] = pool.Measured ? "measured" : "assumed-zero",
                    };
                    if (measure is not null)
                    {
                        var written = await TestTexts.WriteAsync(llm!, text, options.TestTextsPerSide, ct).ConfigureAwait(false);
                        scores["test_texts"] = written is { } w
                            ? await TestTextScoresAsync("llm", [.. w.Positive.Select(t => tokenizer.Encode(t))], [.. w.Negative.Select(t => tokenizer.Encode(t))], feature, measure, ct).ConfigureAwait(false)
                            : new JsonObject { ["source"] = "llm", ["failed"] = $"the LLM's reply was not the JSON asked for, {TestTexts.LlmAttempts} times" };
                    }
                    records.Add(new ExplanationRecord(feature.Index, text, method, modelName, scores.ToJsonString(), DateTimeOffset.UtcNow));
                }).ConfigureAwait(false);
            }
            else
            {
                await Parallel.ForEachAsync(batch, new ParallelOptions { CancellationToken = cancellationToken }, async (feature, ct) =>
                {
                    if (ExplainOffline(feature, windows, pool, explainer, Text, options.Explain.Seed, logitExplainer) is not { } record) return;
                    if (measure is not null && record.Explained is { Tokens.Count: > 0 } named)
                    {
                        var (positive, negative) = TestTexts.Compose(named, pool, feature.Index, options.Explain.Seed);
                        var scores = JsonNode.Parse(record.Record.ScoresJson!)!.AsObject();
                        scores["test_texts"] = await TestTextScoresAsync("offline", positive, negative, feature, measure, ct).ConfigureAwait(false);
                        records.Add(record.Record with { ScoresJson = scores.ToJsonString() });
                    }
                    else
                    {
                        records.Add(record.Record);
                    }
                }).ConfigureAwait(false);
            }
            await explanations.SaveExplanationsAsync(options.Model, options.Sae, records.OrderBy(r => r.FeatureIndex).ToArray(), cancellationToken).ConfigureAwait(false);
            next += Math.Min(options.BatchFeatures, end - next);
            WriteCheckpoint(checkpoint, key, next);
            progress?.Report(new JobProgress("features", next - options.First, end - options.First));
        }

        var result = await SummarizeAsync(options, explanations, method, modelName, end, pool.Measured, llm?.Usage, cancellationToken).ConfigureAwait(false);
        File.Delete(checkpoint);
        return result;
    }

    /// <summary>
    /// The offline explanation of one feature (token statistics, or logit-aware with <paramref name="logitExplainer"/>),
    /// scored with its baseline on the same split, and the token explanation it names; null when nothing activates.
    /// </summary>
    public static (ExplanationRecord Record, TokenExplanation Explained)? ExplainOffline(FeatureDashboard feature, IReadOnlyDictionary<int, int[]> windows, NegativePool pool, TokenStatsExplainer explainer,
        Func<int, string> text, ulong seed, LogitAwareExplainer? logitExplainer = null)
    {
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(explainer);
        var examples = FeatureExamples.Split(feature, windows, pool, seed);
        var logitAware = logitExplainer?.Explain(examples.Train, feature.Logits?.PositiveTokens);
        var explanation = logitAware?.Basis ?? explainer.Explain(examples.Train);
        var baseline = MaxTokenBaseline.Explain(examples.Train, text);
        if (explanation is null || baseline is null) return null;
        var scores = Offline(ExplanationScorer.Score(logitAware is null ? explanation : (IActivationPredictor)logitAware, examples));
        scores["negatives"] = pool.Measured ? "measured" : "assumed-zero";
        scores["tokens"] = new JsonArray(explanation.Tokens.Select(t => (JsonNode)new JsonObject
        {
            ["token"] = t.Token, ["enrichment"] = Number(t.Enrichment), ["weight"] = Number(t.Weight), ["context"] = t.Context, ["context_weight"] = Number(t.ContextWeight),
        }).ToArray());
        if (logitAware is not null)
        {
            scores["says"] = new JsonArray(logitAware.Says.Select(t => (JsonNode)t).ToArray());
            scores["says_weight"] = Number(logitAware.SaysWeight);
            scores["next_after_peak"] = new JsonArray(logitAware.NextAfterPeak.Select(t => (JsonNode)t).ToArray());
        }
        var baselineScores = Offline(ExplanationScorer.Score(baseline, examples));
        baselineScores["text"] = baseline.Text;
        baselineScores["token"] = baseline.Tokens[0].Token;
        scores["baseline"] = baselineScores;
        var method = logitAware is null ? TokenStatsExplainer.Method : LogitAwareExplainer.Method;
        return (new ExplanationRecord(feature.Index, logitAware?.Text ?? explanation.Text, method, null, scores.ToJsonString(), DateTimeOffset.UtcNow), explanation);
    }

    /// <summary>Runs the texts, then scores them with a text firing at 10% of the feature's max_act (docs/dashboards.md, "Test texts").</summary>
    private static async Task<JsonObject> TestTextScoresAsync(string source, IReadOnlyList<int[]> positive, IReadOnlyList<int[]> negative, FeatureDashboard feature, MeasureTexts measure, CancellationToken cancellationToken)
    {
        var positiveMax = await measure(positive, feature.Index, cancellationToken).ConfigureAwait(false);
        var negativeMax = await measure(negative, feature.Index, cancellationToken).ConfigureAwait(false);
        var s = TestTexts.Score(positiveMax, negativeMax, TestTextThreshold * feature.MaxActivation);
        return new JsonObject
        {
            ["source"] = source, ["positives"] = s.Positives, ["negatives"] = s.Negatives,
            ["recall"] = Number(s.Recall), ["precision"] = Number(s.Precision), ["accuracy"] = Number(s.Accuracy),
        };
    }

    /// <summary>A text fires when its largest activation reaches this share of the feature's max_act.</summary>
    public const float TestTextThreshold = 0.1f;

    internal delegate Task<float[]> MeasureTexts(IReadOnlyList<int[]> texts, int feature, CancellationToken cancellationToken);

    internal static JsonObject Offline(ExplanationScores s) => new()
    {
        ["correlation"] = Number(s.Correlation), ["detection_accuracy"] = Number(s.DetectionAccuracy),
        ["detection_balanced_accuracy"] = Number(s.DetectionBalancedAccuracy), ["detection_auroc"] = Number(s.DetectionAuroc),
        ["threshold"] = Number(s.Threshold), ["scored_tokens"] = s.Tokens, ["test_activating"] = s.TestActivating, ["test_non_activating"] = s.TestNonActivating,
    };

    internal static JsonObject Classifier(ClassifierScores s) => new()
    {
        ["balanced_accuracy"] = Number(s.BalancedAccuracy), ["accuracy"] = Number(s.Accuracy), ["auroc"] = Number(s.Auroc), ["answered"] = s.Answered, ["failed"] = s.Failed,
    };

    /// <summary>JSON has no NaN: an undefined score is null.</summary>
    internal static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    private static async Task<ExplainJobResult> SummarizeAsync(ExplainJobOptions options, IExplanationStore store, string method, string? modelName, int end, bool measured, LlmUsage? usage, CancellationToken cancellationToken)
    {
        var correlation = new List<double>();
        var balanced = new List<double>();
        var baseCorrelation = new List<double>();
        var baseBalanced = new List<double>();
        for (var offset = 0; ; offset += 4096)
        {
            var page = await store.ListExplanationsAsync(options.Model, options.Sae, method, offset, 4096, cancellationToken).ConfigureAwait(false);
            foreach (var e in page.Where(e => e.ModelName == modelName && e.FeatureIndex >= options.First && e.FeatureIndex < end && e.ScoresJson is not null))
            {
                var scores = JsonNode.Parse(e.ScoresJson!)!;
                if (options.LlmStyle is null)
                {
                    correlation.Add(Read(scores["correlation"]));
                    balanced.Add(Read(scores["detection_balanced_accuracy"]));
                    baseCorrelation.Add(Read(scores["baseline"]?["correlation"]));
                    baseBalanced.Add(Read(scores["baseline"]?["detection_balanced_accuracy"]));
                }
                else
                {
                    correlation.Add(Read(scores["simulation_correlation"]));
                    balanced.Add(Read(scores["detection"]?["balanced_accuracy"]));
                }
            }
            if (page.Count < 4096) break;
        }
        var offline = options.LlmStyle is null;
        return new ExplainJobResult(method, modelName, correlation.Count, ScoreMath.Mean(correlation, 0), ScoreMath.Mean(balanced, 0.5),
            offline ? ScoreMath.Mean(baseCorrelation, 0) : null, offline ? ScoreMath.Mean(baseBalanced, 0.5) : null, measured, usage);
    }

    private static double Read(JsonNode? node) => node is null ? double.NaN : node.GetValue<double>();

    private static async Task<List<int[]>> ReadAllAsync(ICorpusStore corpora, string corpus, int windows, CancellationToken cancellationToken)
    {
        var all = new List<int[]>(windows);
        for (var start = 0; start < windows; start += 2048)
        {
            all.AddRange(await corpora.ReadWindowsAsync(corpus, start, Math.Min(2048, windows - start), cancellationToken).ConfigureAwait(false));
        }
        return all;
    }

    /// <summary>
    /// The negative pool: seeded random windows of the dashboard run, measured with the stored model and SAE folders
    /// when both still load (borrowed from <paramref name="runtime"/> when given), else assumed zero; and, with the
    /// weights, a way to measure any texts (the test texts).
    /// </summary>
    internal static async Task<(NegativePool Pool, MeasureTexts? Measure)> PoolAsync(ExplainJobOptions options, ICorpusStore corpora, IModelStore models, SaeRecord sae, SaeDashboardSummary summary, ModelRuntime? runtime, CancellationToken cancellationToken)
    {
        var stream = CounterRandom.Stream(options.Explain.Seed, "negative-pool");
        var indexes = Enumerable.Range(0, summary.Windows).OrderBy(w => CounterRandom.Uniform(stream, (ulong)w)).Take(options.PoolWindows).Order().ToArray();
        var read = await corpora.ReadWindowsAsync(summary.Corpus, indexes, cancellationToken).ConfigureAwait(false);
        var tokens = indexes.Select(i => read[i]).ToArray();
        var model = await models.GetModelAsync(options.Model, cancellationToken).ConfigureAwait(false);
        var bos = summary.Options.BosTokenId;
        if (model?.Path is not { } modelPath || sae.Path is not { } saePath || !File.Exists(Path.Combine(modelPath, "model.safetensors")) || !File.Exists(Path.Combine(saePath, "sae_weights.safetensors")))
        {
            return (NegativePool.AssumedZero(indexes, tokens, sae.DSae), null);
        }
        if (runtime is not null)
        {
            try
            {
                var pool = await runtime.RunAsync(options.Model, "explain", (loaded, _) =>
                    NegativePool.Measure(loaded.Session.Model, loaded.FoldedSae(sae.Name), indexes, tokens, bos), cancellationToken).ConfigureAwait(false);
                MeasureTexts borrowed = (texts, feature, ct) => runtime.RunAsync(options.Model, "explain", (loaded, _) =>
                    TestTexts.MaxActivations(loaded.Session.Model, loaded.FoldedSae(sae.Name), texts, feature, bos), ct);
                return (pool, borrowed);
            }
            catch (Exception e) when (e is ModelUnavailableException or KeyNotFoundException)
            {
                return (NegativePool.AssumedZero(indexes, tokens, sae.DSae), null);
            }
        }
        var autoencoder = Transcoder.LoadFeatures(saePath);
        var network = Gpt2Model.Load(modelPath, InferenceSession.ProcessingFor([autoencoder]));
        autoencoder.FoldDecoderNorms();   // dashboard semantics: activations of the unit-norm decoder
        var gate = new Lock();   // one forward pass at a time on this model
        MeasureTexts local = (texts, feature, ct) =>
        {
            ct.ThrowIfCancellationRequested();
            lock (gate) return Task.FromResult(TestTexts.MaxActivations(network, autoencoder, texts, feature, bos));
        };
        return (NegativePool.Measure(network, autoencoder, indexes, tokens, bos), local);
    }

    private static string JobKey(ExplainJobOptions options, SaeDashboardSummary summary, string method, string? modelName, int end)
    {
        var identity = new { options.Model, options.Sae, options.First, end, method, modelName, options.Explain, options.PoolWindows, options.LlmLogprobs, options.TestTexts, options.TestTextsPerSide, created = summary.CreatedAt.UtcTicks };
        return JobCheckpoint.Key(identity);
    }

    private static int ReadCheckpoint(string path, string key) => JobCheckpoint.Read(path, Magic, key, "this explain job", reader => reader.ReadInt32());

    private static void WriteCheckpoint(string path, string key, int next) => JobCheckpoint.Write(path, Magic, key, writer => writer.Write(next));
}
