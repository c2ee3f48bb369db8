using System.Globalization;
using System.Text;
using System.Text.Json;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Explain.Llm;

/// <summary>
/// Scores an explanation on a feature's test split through a chat model: Delphi's detection (which plain windows
/// fire?) and fuzzing (are the highlighted tokens the right ones?), 5 examples per call answered as a 0/1 list, with
/// P(1)/(P(0)+P(1)) from the answer log-probabilities when the endpoint returns them; and OpenAI's simulation
/// (predicted 0–10 per token, expected value over the number tokens' log-probabilities, pooled Pearson r), only when
/// it does.
/// </summary>
public sealed class LlmScorer(OpenAiCompatibleClient client, Func<int, string> tokenText, bool logprobs, ulong seed = 0)
{
    public const int BatchSize = 5;

    public Task<ClassifierScores> DetectionAsync(string explanation, FeatureExamples examples, CancellationToken cancellationToken) =>
        ClassifyAsync(explanation, examples, fuzz: false, cancellationToken);

    public Task<ClassifierScores> FuzzingAsync(string explanation, FeatureExamples examples, CancellationToken cancellationToken) =>
        ClassifyAsync(explanation, examples, fuzz: true, cancellationToken);

    private async Task<ClassifierScores> ClassifyAsync(string explanation, FeatureExamples examples, bool fuzz, CancellationToken cancellationToken)
    {
        var stream = CounterRandom.Stream(seed, $"{(fuzz ? "fuzz" : "detect")}/{examples.Feature}");
        var shuffled = examples.Test.OrderBy(r => CounterRandom.Uniform(stream, (ulong)r.Window)).ThenBy(r => r.Window).ToArray();
        var activating = examples.Test.Where(r => r.IsActivating).ToArray();
        var k = activating.Length == 0 ? 1 : (int)Math.Ceiling(activating.Average(r => LlmPrompts.Active(r).Count(m => m)));
        var question = string.Format(CultureInfo.InvariantCulture, LlmPrompts.ClassifierSystem, fuzz ? LlmPrompts.FuzzingQuestion : LlmPrompts.DetectionQuestion);

        var batches = shuffled.Chunk(BatchSize).ToArray();
        var replies = await Task.WhenAll(batches.Select(async batch =>
        {
            var user = new StringBuilder($"Explanation: {explanation}\n\n");
            for (var i = 0; i < batch.Length; i++)
            {
                var r = batch[i];
                var text = !fuzz ? LlmPrompts.Plain(r, tokenText) : LlmPrompts.Highlight(r, tokenText, r.IsActivating ? LlmPrompts.Active(r) : Decoys(r, k, stream));
                user.Append("Example ").Append(i + 1).Append(": ").Append(text).Append('\n');
            }
            var request = new ChatRequest([ChatMessage.System(question), ChatMessage.User(user.ToString())], MaxTokens: 4 * batch.Length + 8, TopLogprobs: logprobs ? 5 : null);
            return await client.CompleteAsync(request, cancellationToken).ConfigureAwait(false);
        })).ConfigureAwait(false);

        var predictions = new List<bool>();
        var labels = new List<bool>();
        var probabilities = new List<double>();
        var failed = 0;
        for (var b = 0; b < batches.Length; b++)
        {
            var answers = ParseAnswers(replies[b].Content, batches[b].Length);
            if (answers is null)
            {
                failed += batches[b].Length;
                continue;
            }
            var p = AnswerProbabilities(replies[b].Logprobs, batches[b].Length);
            for (var i = 0; i < answers.Length; i++)
            {
                predictions.Add(answers[i]);
                labels.Add(batches[b][i].IsActivating);
                probabilities.Add(p?[i] ?? double.NaN);
            }
        }
        var scores = predictions.Select(x => x ? 1.0 : 0.0).ToArray();
        var auroc = probabilities.Count > 0 && probabilities.All(double.IsFinite) ? ScoreMath.Auroc(probabilities, labels) : double.NaN;
        var correct = predictions.Zip(labels).Count(x => x.First == x.Second);
        return new ClassifierScores(ScoreMath.BalancedAccuracy(scores, labels, 0.5), predictions.Count == 0 ? double.NaN : correct / (double)predictions.Count, auroc, predictions.Count, failed);
    }

    /// <summary>Delphi's decoy highlights on a non-activating window: k tokens, always including position L − L/4.</summary>
    private static bool[] Decoys(ActivationRecord r, int k, ulong stream)
    {
        var length = r.Tokens.Length;
        var marked = new bool[length];
        marked[Math.Min(length - 1, length - length / 4)] = true;
        var order = Enumerable.Range(0, length).OrderBy(t => CounterRandom.Uniform(stream, (ulong)(r.Window * 4096L + t))).ToArray();
        for (var i = 0; i < order.Length && marked.Count(m => m) < Math.Min(k, length); i++) marked[order[i]] = true;
        return marked;
    }

    /// <summary>The first [...] of the reply as n answers; null when it is missing, not JSON, not 0/1, or the wrong length.</summary>
    internal static bool[]? ParseAnswers(string reply, int n)
    {
        var start = reply.IndexOf('[');
        var end = start < 0 ? -1 : reply.IndexOf(']', start);
        if (end < 0) return null;
        try
        {
            var values = JsonSerializer.Deserialize<int[]>(reply[start..(end + 1)]);
            if (values is null || values.Length != n || values.Any(v => v is not (0 or 1))) return null;
            return values.Select(v => v == 1).ToArray();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Per answer, P(1)/(P(0)+P(1)) over the top candidates at each generated 0/1 token; null when they do not line up.</summary>
    internal static double[]? AnswerProbabilities(IReadOnlyList<TokenLogprob>? logprobs, int n)
    {
        if (logprobs is null) return null;
        var result = new List<double>();
        foreach (var token in logprobs)
        {
            var t = token.Token.Trim();
            if (t is not ("0" or "1")) continue;
            var candidates = token.Top.Count > 0 ? token.Top : [(token.Token, token.Logprob)];
            double one = 0, zero = 0;
            foreach (var (text, lp) in candidates)
            {
                if (text.Contains('1')) one += Math.Exp(lp);
                else if (text.Contains('0')) zero += Math.Exp(lp);
            }
            result.Add(one + zero == 0 ? 0.5 : one / (one + zero));
        }
        return result.Count == n ? result.ToArray() : null;
    }

    /// <summary>
    /// Simulation score: pooled Pearson r over the test windows' tokens of the expected 0–10 predictions, or null
    /// when the endpoint returns no log-probabilities (asked for first, so the caller can record why).
    /// </summary>
    public async Task<double?> SimulationAsync(string explanation, FeatureExamples examples, CancellationToken cancellationToken)
    {
        var truth = new List<double>();
        var predicted = new List<double>();
        foreach (var record in examples.Test)
        {
            var user = new StringBuilder($"Explanation: {explanation}\n\nTokens:\n");
            for (var t = 0; t < record.Tokens.Length; t++) user.Append(t + 1).Append('\t').Append(tokenText(record.Tokens[t])).Append('\n');
            var request = new ChatRequest([ChatMessage.System(LlmPrompts.SimulatorSystem), ChatMessage.User(user.ToString())], MaxTokens: 4 * record.Tokens.Length + 8, TopLogprobs: 10);
            var reply = await client.CompleteAsync(request, cancellationToken).ConfigureAwait(false);
            if (reply.Logprobs is null) return null;
            var values = ExpectedValues(reply.Logprobs, record.Tokens.Length) ?? new double[record.Tokens.Length];   // a garbled reply predicts nothing (OAI)
            for (var t = 0; t < record.Tokens.Length; t++)
            {
                truth.Add(record.Activations[t]);
                predicted.Add(values[t]);
            }
        }
        return ScoreMath.Pearson(predicted.ToArray(), truth.ToArray());
    }

    /// <summary>Σ v·p(v) / Σ p(v) over the top candidates that are integers 0–10, at each generated number token; null unless there are n.</summary>
    internal static double[]? ExpectedValues(IReadOnlyList<TokenLogprob> logprobs, int n)
    {
        var result = new List<double>();
        foreach (var token in logprobs)
        {
            if (!IsLevel(token.Token, out _)) continue;
            double weighted = 0, total = 0;
            foreach (var (text, lp) in token.Top.Count > 0 ? token.Top : [(token.Token, token.Logprob)])
            {
                if (!IsLevel(text, out var v)) continue;
                weighted += v * Math.Exp(lp);
                total += Math.Exp(lp);
            }
            result.Add(total == 0 ? 0 : weighted / total);
        }
        return result.Count == n ? result.ToArray() : null;
    }

    private static bool IsLevel(string token, out int value) =>
        int.TryParse(token.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value) && value is >= 0 and <= 10;
}
