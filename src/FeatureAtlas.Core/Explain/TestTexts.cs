using System.Text.Json;
using FeatureAtlas.Core.Explain.Llm;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Explain;

/// <summary>
/// Test texts for an explanation (docs/dashboards.md, "Test texts"): texts that should activate the feature and texts
/// that should not, written by an LLM from the explanation or, offline, composed from the explanation's named tokens
/// (each after its context token, at the end of a random corpus window's opening) and from random corpus windows. The
/// model then runs them, and <see cref="Score"/> says how many behaved as meant.
/// </summary>
public static class TestTexts
{
    /// <summary>Tokens of a random window's opening put before a named token in a composed positive text.</summary>
    public const int OpeningTokens = 12;

    /// <summary>Tokens of a random window in a composed negative text.</summary>
    public const int NegativeTokens = 16;

    public const int LlmAttempts = 3;

    /// <summary>
    /// Offline texts: one positive per named token (its context token first when it has one) after the opening of a
    /// seeded random pool window, and as many negatives, each the first <see cref="NegativeTokens"/> tokens of another
    /// pool window. Windows start with BOS, so every text does.
    /// </summary>
    public static (IReadOnlyList<int[]> Positive, IReadOnlyList<int[]> Negative) Compose(TokenExplanation explanation, NegativePool pool, int feature, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(explanation);
        ArgumentNullException.ThrowIfNull(pool);
        var stream = CounterRandom.Stream(seed, $"test-texts/{feature}");
        var order = Enumerable.Range(0, pool.Count).OrderBy(s => CounterRandom.Uniform(stream, (ulong)s)).ThenBy(s => s).ToArray();
        var positive = new List<int[]>();
        var negative = new List<int[]>();
        var next = 0;
        foreach (var named in explanation.Tokens)
        {
            if (next + 1 >= order.Length) break;
            var opening = pool.Tokens[order[next++]].Take(OpeningTokens);
            positive.Add([.. opening, .. named.Context is { } c ? new[] { c, named.Token } : [named.Token]]);
            negative.Add(pool.Tokens[order[next++]].Take(NegativeTokens).ToArray());
        }
        return (positive, negative);
    }

    /// <summary>
    /// Asks the chat model for texts that should and should not activate a feature with <paramref name="explanation"/>;
    /// a reply that is not the JSON asked for is retried (saying so, so no cache answers it) up to
    /// <see cref="LlmAttempts"/> times in all, then null: the caller records the test as failed.
    /// </summary>
    public static async Task<(IReadOnlyList<string> Positive, IReadOnlyList<string> Negative)?> WriteAsync(OpenAiCompatibleClient client, string explanation, int perSide, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(explanation);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSide);
        var system = "You write test sentences for a latent of a language model. Given its explanation, write " + perSide + " short texts (one or two " +
            "sentences each) on which the latent should fire, and " + perSide + " similar-looking texts on which it should not. Answer with a JSON object " +
            "{\"activating\": [strings], \"non_activating\": [strings]} and nothing else.";
        var user = $"Explanation: {explanation}";
        for (var attempt = 1; attempt <= LlmAttempts; attempt++)
        {
            var reply = await client.CompleteAsync(new ChatRequest([ChatMessage.System(system), ChatMessage.User(user)], MaxTokens: 80 * perSide), cancellationToken).ConfigureAwait(false);
            if (Parse(reply.Content, perSide) is { } texts) return texts;
            user = $"Explanation: {explanation}\n\n(Attempt {attempt + 1}: the previous reply was not the JSON object asked for. Reply with the JSON object only.)";
        }
        return null;
    }

    /// <summary>The two lists from a reply (the first {...} in it), or null unless both hold 1 to 4·perSide non-empty strings.</summary>
    internal static (IReadOnlyList<string> Positive, IReadOnlyList<string> Negative)? Parse(string reply, int perSide)
    {
        var start = reply.IndexOf('{', StringComparison.Ordinal);
        var end = reply.LastIndexOf('}');
        if (start < 0 || end <= start) return null;
        try
        {
            using var document = JsonDocument.Parse(reply[start..(end + 1)]);
            var positive = Strings(document.RootElement, "activating");
            var negative = Strings(document.RootElement, "non_activating");
            return positive is { Count: > 0 } && negative is { Count: > 0 } && positive.Count <= 4 * perSide && negative.Count <= 4 * perSide ? (positive, negative) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static List<string>? Strings(JsonElement root, string name)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array) return null;
        var list = new List<string>();
        foreach (var e in array.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(e.GetString())) return null;
            list.Add(e.GetString()!.Trim());
        }
        return list;
    }

    /// <summary>Each text's largest activation of <paramref name="feature"/> (folded SAE, BOS positions left out), one forward pass per text.</summary>
    public static float[] MaxActivations(Gpt2Model model, SparseAutoencoder sae, IReadOnlyList<int[]> texts, int feature, int bosTokenId)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(texts);
        var run = RunOptions.CacheOnly(sae.HookName);
        var result = new float[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            var tokens = texts[i].Length > model.Config.Positions ? texts[i][..model.Config.Positions] : texts[i];
            if (tokens.Length == 0) continue;
            var cache = model.Run(tokens, 1, run).Cache[sae.HookName].Data;
            var acts = new float[tokens.Length];
            sae.EncodeFeature(cache, tokens.Length, feature, acts);
            for (var t = 0; t < tokens.Length; t++)
            {
                if (tokens[t] != bosTokenId) result[i] = Math.Max(result[i], acts[t]);
            }
        }
        return result;
    }

    /// <summary>
    /// Recall (positives that fire), precision (texts that fire and were meant to) and accuracy (texts that behaved as
    /// meant, as Neuronpedia's recall_alt counts correct answers over all), a text firing when its largest activation
    /// is at least <paramref name="threshold"/>.
    /// </summary>
    public static TestTextScores Score(IReadOnlyList<float> positiveMax, IReadOnlyList<float> negativeMax, float threshold)
    {
        ArgumentNullException.ThrowIfNull(positiveMax);
        ArgumentNullException.ThrowIfNull(negativeMax);
        var truePositive = positiveMax.Count(a => a >= threshold);
        var falsePositive = negativeMax.Count(a => a >= threshold);
        var total = positiveMax.Count + negativeMax.Count;
        return new TestTextScores(
            positiveMax.Count, negativeMax.Count,
            positiveMax.Count == 0 ? double.NaN : truePositive / (double)positiveMax.Count,
            truePositive + falsePositive == 0 ? double.NaN : truePositive / (double)(truePositive + falsePositive),
            total == 0 ? double.NaN : (truePositive + negativeMax.Count - falsePositive) / (double)total);
    }
}
