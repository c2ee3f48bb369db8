using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Dashboards;

/// <summary>
/// Red-teaming tests of how much context a feature needs (docs/dashboards.md, "Feature analysis"), run through the
/// model and an SAE whose decoder is already folded to unit norm (dashboard semantics):
/// <see cref="Prefix"/> reruns top examples with the context cut to the last k tokens; <see cref="Induction"/> runs
/// seeded random sequences repeated once and compares the feature on the two copies.
/// </summary>
public static class ContextTests
{
    /// <summary>The context lengths of the prefix test; 0 stands for the whole context.</summary>
    public static IReadOnlyList<int> DefaultLengths { get; } = [1, 2, 4, 8, 16, 0];

    /// <summary>
    /// The prefix test of each feature's examples: for example (feature f, window w, position p, activation a) and each
    /// k, the sequence BOS + w[max(1, p − k + 1) … p] (w[0 … p] when k is 0 or reaches the window's start, where w[0]
    /// is BOS) is run and f read at its last token. Sequences of equal length share forward passes of up to
    /// <paramref name="batch"/>. Examples name SAE features from <paramref name="firstFeature"/> on; entry i of the
    /// result is feature firstFeature + i (null when it has no example).
    /// </summary>
    public static PrefixTest?[] Prefix(Gpt2Model model, SparseAutoencoder sae, IReadOnlyList<PrefixExample> examples, int firstFeature, int features, IReadOnlyList<int> lengths, int bosTokenId, int batch = 32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(firstFeature);
        var sequences = new List<(int Example, int Length, int[] Tokens)>();
        for (var e = 0; e < examples.Count; e++)
        {
            var x = examples[e];
            if (x.Feature < firstFeature || x.Feature >= firstFeature + features) throw new ArgumentException($"Example {e} is of feature {x.Feature}, outside features {firstFeature} to {firstFeature + features - 1}.", nameof(examples));
            if ((uint)x.Position >= (uint)x.Tokens.Length) throw new ArgumentException($"Example {e} of feature {x.Feature}: position {x.Position} is outside its window of {x.Tokens.Length}.", nameof(examples));
            for (var i = 0; i < lengths.Count; i++) sequences.Add((e, i, Cut(x.Tokens, x.Position, lengths[i], bosTokenId)));
        }
        var values = new float[examples.Count][];
        for (var e = 0; e < examples.Count; e++) values[e] = new float[lengths.Count];
        var run = RunOptions.CacheOnly(sae.HookName);
        var single = new float[1];
        foreach (var group in sequences.GroupBy(s => s.Tokens.Length))
        {
            foreach (var chunk in group.Chunk(batch))
            {
                var t = group.Key;
                var flat = new int[chunk.Length * t];
                for (var s = 0; s < chunk.Length; s++) chunk[s].Tokens.CopyTo(flat, s * t);
                var cache = model.Run(flat, chunk.Length, run).Cache[sae.HookName].Data;
                var width = cache.Length / flat.Length;
                for (var s = 0; s < chunk.Length; s++)
                {
                    var last = (s * t + t - 1) * width;
                    var x = examples[chunk[s].Example];
                    sae.EncodeFeature(cache.AsSpan(last, width), 1, x.Feature, single);
                    values[chunk[s].Example][chunk[s].Length] = single[0];
                }
            }
        }

        var result = new PrefixTest?[features];
        foreach (var byFeature in Enumerable.Range(0, examples.Count).GroupBy(e => examples[e].Feature))
        {
            var ratio = new float[lengths.Count];
            var mean = new float[lengths.Count];
            var count = 0;
            foreach (var e in byFeature)
            {
                count++;
                for (var i = 0; i < lengths.Count; i++)
                {
                    mean[i] += values[e][i];
                    ratio[i] += examples[e].Activation > 0 ? Math.Max(values[e][i], 0) / examples[e].Activation : 0;
                }
            }
            for (var i = 0; i < lengths.Count; i++)
            {
                mean[i] /= count;
                ratio[i] /= count;
            }
            result[byFeature.Key - firstFeature] = new PrefixTest(lengths.ToArray(), ratio, mean, count);
        }
        return result;
    }

    /// <summary>BOS, then the last <paramref name="k"/> tokens up to and including <paramref name="position"/> (k = 0: the whole prefix).</summary>
    internal static int[] Cut(int[] window, int position, int k, int bosTokenId)
    {
        var start = window[0] == bosTokenId ? 1 : 0;
        var from = k == 0 ? start : Math.Max(start, position - k + 1);
        var tokens = new int[position - from + 2];
        tokens[0] = bosTokenId;
        Array.Copy(window, from, tokens, 1, position - from + 1);
        return tokens;
    }

    /// <summary>
    /// The induction test for every feature: <paramref name="sequences"/> random sequences of <paramref name="length"/>
    /// tokens, drawn uniformly from [0, vocab) without BOS by the counter-based generator of <paramref name="seed"/>,
    /// each run as BOS + r + r.
    /// </summary>
    public static InductionTest[] Induction(Gpt2Model model, SparseAutoencoder sae, ulong seed, int sequences, int length, int bosTokenId)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequences);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var t = 2 * length + 1;
        if (t > model.Config.Positions) throw new ArgumentOutOfRangeException(nameof(length), $"Two copies of {length} tokens and BOS exceed the model's {model.Config.Positions} positions.");
        var stream = CounterRandom.Stream(seed, "induction");
        var vocab = model.Config.Vocab;
        var hasBos = (uint)bosTokenId < (uint)vocab;
        var choices = hasBos ? vocab - 1 : vocab;
        var tokens = new int[sequences * t];
        for (var s = 0; s < sequences; s++)
        {
            tokens[s * t] = bosTokenId;
            for (var i = 0; i < length; i++)
            {
                var token = Math.Min((int)(CounterRandom.Uniform(stream, (ulong)(s * length + i)) * choices), choices - 1);
                if (hasBos && token >= bosTokenId) token++;   // skip BOS
                tokens[s * t + 1 + i] = tokens[s * t + 1 + length + i] = token;
            }
        }
        var cache = model.Run(tokens, sequences, RunOptions.CacheOnly(sae.HookName)).Cache[sae.HookName].Data;
        var d = sae.DSae;
        var acts = sae.Encode(cache, tokens.Length);   // [sequences·t, S]
        var first = new float[d];
        var second = new float[d];
        var secondOnly = new int[d];
        var firstMax = new float[d];
        var secondMax = new float[d];
        for (var s = 0; s < sequences; s++)
        {
            Array.Clear(firstMax);
            Array.Clear(secondMax);
            for (var p = 1; p < t; p++)
            {
                var row = acts.AsSpan((s * t + p) * d, d);
                var target = p <= length ? firstMax : secondMax;
                for (var f = 0; f < d; f++) target[f] = Math.Max(target[f], row[f]);
            }
            for (var f = 0; f < d; f++)
            {
                first[f] += firstMax[f];
                second[f] += secondMax[f];
                if (secondMax[f] > 0 && firstMax[f] <= 0) secondOnly[f]++;
            }
        }
        var result = new InductionTest[d];
        for (var f = 0; f < d; f++) result[f] = new InductionTest(sequences, length, first[f] / sequences, second[f] / sequences, secondOnly[f] / (float)sequences);
        return result;
    }
}

/// <summary>One top example of the prefix test: <see cref="Tokens"/> is the corpus window, the activation <see cref="Activation"/> at <see cref="Position"/>.</summary>
public readonly record struct PrefixExample(int Feature, int[] Tokens, int Position, float Activation);
