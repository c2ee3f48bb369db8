using System.Numerics.Tensors;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Generation;

/// <summary>
/// Picks the next token from one sequence's logits [V] and reports its log-probability and the top alternatives.
/// Runs on the calling thread only, so the choice depends on the logits and the seed, never on the thread count.
/// Buffers are sized once per generation ([V] floats and ints); a step allocates only its result.
/// </summary>
internal sealed class TokenSampler
{
    private readonly GenerationOptions _options;
    private readonly ulong _stream;
    private readonly float[] _scratch;     // [V] exp(logit − max), then the adjusted logits
    private readonly float[] _keys;        // [V] sort keys for top-k / top-p
    private readonly int[] _order;         // [V] token ids in sort order
    private readonly TokenChoice[] _top;   // [TopLogprobs] running top list

    public TokenSampler(GenerationOptions options, int vocab)
    {
        _options = options;
        _stream = CounterRandom.Stream(options.Seed, "generate");
        _scratch = new float[vocab];
        _top = new TokenChoice[options.TopLogprobs];
        if (options.Temperature > 0f && (options.TopK > 0 || options.TopP < 1f))
        {
            _keys = new float[vocab];
            _order = new int[vocab];
        }
        else
        {
            _keys = [];
            _order = [];
        }
    }

    /// <summary>
    /// The token for draw <paramref name="step"/> given raw <paramref name="logits"/> and the tokens this sequence
    /// generated so far (for the frequency penalty).
    /// </summary>
    public GeneratedToken Next(ReadOnlySpan<float> logits, int step, IReadOnlyList<GeneratedToken> history)
    {
        var vocab = logits.Length;
        var scratch = _scratch.AsSpan(0, vocab);

        // log Z = max + log Σ exp(logit − max): logprobs of the raw model, before penalty and temperature.
        var max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        var logZ = max + (float)Math.Log(TensorPrimitives.Sum(scratch));
        var top = TopAlternatives(logits, logZ);

        logits.CopyTo(scratch);
        if (_options.FrequencyPenalty != 0f)
        {
            for (var i = 0; i < history.Count; i++) scratch[history[i].Token] -= _options.FrequencyPenalty;
        }
        var token = _options.Temperature == 0f ? TensorPrimitives.IndexOfMax(scratch) : Sample(scratch, step);
        return new GeneratedToken(token, logits[token] - logZ, top);
    }

    private TokenChoice[] TopAlternatives(ReadOnlySpan<float> logits, float logZ)
    {
        var n = _top.Length;
        if (n == 0) return [];
        var count = 0;
        for (var j = 0; j < logits.Length; j++)
        {
            var value = logits[j];
            if (count == n && !(value > _top[n - 1].Logprob)) continue;
            var i = count < n ? count++ : n - 1;
            // Strictly greater moves up, so on a tie the lower token id stays first.
            while (i > 0 && value > _top[i - 1].Logprob)
            {
                _top[i] = _top[i - 1];
                i--;
            }
            _top[i] = new TokenChoice(j, value);
        }
        var result = new TokenChoice[count];
        for (var i = 0; i < count; i++) result[i] = new TokenChoice(_top[i].Token, _top[i].Logprob - logZ);
        return result;
    }

    /// <summary>One draw from softmax(adjusted/T), restricted to the top-k and top-p set when asked.</summary>
    private int Sample(Span<float> adjusted, int step)
    {
        var u = CounterRandom.Uniform(_stream, (ulong)step);   // (0, 1]
        TensorPrimitives.Multiply(adjusted, 1f / _options.Temperature, adjusted);
        var max = TensorPrimitives.Max(adjusted);
        TensorPrimitives.Subtract(adjusted, max, adjusted);
        TensorPrimitives.Exp(adjusted, adjusted);   // unnormalised probabilities

        if (_order.Length == 0)
        {
            double total = 0;
            foreach (var p in adjusted) total += p;
            var target = u * total;
            double cumulative = 0;
            var last = 0;
            for (var j = 0; j < adjusted.Length; j++)
            {
                if (adjusted[j] == 0f) continue;
                cumulative += adjusted[j];
                last = j;
                if (cumulative >= target) return j;
            }
            return last;
        }

        // Most likely first; equal probabilities keep the order the sort gives them, the same on every run.
        var vocab = adjusted.Length;
        var keys = _keys.AsSpan(0, vocab);
        var order = _order.AsSpan(0, vocab);
        for (var j = 0; j < vocab; j++)
        {
            keys[j] = -adjusted[j];
            order[j] = j;
        }
        keys.Sort(order);
        var kept = _options.TopK > 0 ? Math.Min(_options.TopK, vocab) : vocab;
        double keptTotal = 0;
        for (var i = 0; i < kept; i++) keptTotal += -keys[i];
        if (_options.TopP < 1f)
        {
            double mass = 0;
            var nucleus = 0;
            while (nucleus < kept)
            {
                mass += -keys[nucleus++];
                if (mass >= _options.TopP * keptTotal) break;
            }
            kept = nucleus;
            keptTotal = mass;
        }
        var goal = u * keptTotal;
        double sum = 0;
        for (var i = 0; i < kept; i++)
        {
            sum += -keys[i];
            if (sum >= goal) return order[i];
        }
        return order[kept - 1];
    }
}
