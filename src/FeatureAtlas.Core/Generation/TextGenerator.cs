using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Steering;

namespace FeatureAtlas.Core.Generation;

/// <summary>
/// Autoregressive generation with a key/value cache: the prompt runs once (prefill), then each step runs one new
/// position per sequence. Several sequences of one prompt decode in one batch, each with its own steering plan
/// (e.g. [<see cref="SteeringPlan.None"/>, steered] gives Neuronpedia's DEFAULT and STEERED side by side).
/// </summary>
public static class TextGenerator
{
    /// <summary>
    /// Decodes <paramref name="plans"/>.Count sequences continuing <paramref name="prompt"/> (token ids used as
    /// given: no BOS is added) together in one batch, sequence i steered by plans[i].
    /// <paramref name="onToken"/>(sequenceIndex, token) fires on the calling thread as each token is chosen (for
    /// streaming); <paramref name="cancellationToken"/> stops the work between steps with
    /// <see cref="OperationCanceledException"/>. Buffers are sized once per call; a step allocates only its results.
    /// </summary>
    public static IReadOnlyList<GenerationResult> Generate(Gpt2Model model, IReadOnlyList<int> prompt, GenerationOptions options,
        IReadOnlyList<SteeringPlan> plans, Action<int, GeneratedToken>? onToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(plans);
        var config = model.Config;
        Validate(config, prompt, options);
        if (plans.Count == 0) throw new ArgumentException("Give at least one steering plan (SteeringPlan.None for the default text).", nameof(plans));
        cancellationToken.ThrowIfCancellationRequested();

        int batch = plans.Count, promptLength = prompt.Count, vocab = config.Vocab;
        var hooks = SteeringHooks.Create(config, plans, promptLength);
        var cache = model.CreateKeyValueCache(batch, Math.Max(promptLength, promptLength + options.NewTokens - 1));
        var logits = GC.AllocateUninitializedArray<float>(batch * vocab);
        var sampler = new TokenSampler(options, vocab);
        var generated = new List<GeneratedToken>[batch];
        var stopped = new bool[batch];
        for (var b = 0; b < batch; b++) generated[b] = new List<GeneratedToken>(options.NewTokens);

        var prefill = new int[batch * promptLength];
        for (var b = 0; b < batch; b++)
        {
            for (var i = 0; i < promptLength; i++) prefill[b * promptLength + i] = prompt[i];
        }
        hooks.Past = 0;
        model.RunCached(prefill, cache, hooks.Options, logits);

        var next = new int[batch];
        for (var step = 0; step < options.NewTokens; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var running = 0;
            for (var b = 0; b < batch; b++)
            {
                if (stopped[b]) continue;
                var token = sampler.Next(logits.AsSpan(b * vocab, vocab), step, generated[b]);
                generated[b].Add(token);
                next[b] = token.Token;
                onToken?.Invoke(b, token);
                if (token.Token == options.StopToken) stopped[b] = true;
                else running++;
            }
            if (running == 0 || step == options.NewTokens - 1) break;
            // A stopped sequence keeps feeding its last token so the batch stays rectangular; its logits are unused.
            hooks.Past = cache.Length;
            model.RunCached(next, cache, hooks.Options, logits);
        }

        var promptCopy = prompt.ToArray();
        return generated.Select(g => new GenerationResult(promptCopy, g)).ToArray();
    }

    /// <summary>One unsteered sequence.</summary>
    public static GenerationResult Generate(Gpt2Model model, IReadOnlyList<int> prompt, GenerationOptions options, CancellationToken cancellationToken = default)
        => Generate(model, prompt, options, [SteeringPlan.None], null, cancellationToken)[0];

    /// <summary>Checks a prompt and options against the model; errors name the field and the allowed range.</summary>
    public static void Validate(Gpt2Config config, IReadOnlyList<int> prompt, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        if (prompt.Count == 0) throw new ArgumentException("The prompt has no tokens.", nameof(prompt));
        for (var i = 0; i < prompt.Count; i++)
        {
            if ((uint)prompt[i] >= (uint)config.Vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(prompt), $"Prompt token id {prompt[i]} at position {i} is outside the vocabulary [0, {config.Vocab}).");
            }
        }
        var room = config.Positions - prompt.Count + 1;
        if (options.NewTokens < 1 || options.NewTokens > room)
        {
            throw new ArgumentOutOfRangeException(nameof(options),
                room < 1
                    ? $"The prompt's {prompt.Count} tokens exceed the model's n_positions = {config.Positions}."
                    : $"n_tokens must be between 1 and {room} for a {prompt.Count}-token prompt (n_positions = {config.Positions}), not {options.NewTokens}.");
        }
        if (!float.IsFinite(options.Temperature) || options.Temperature < 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"temperature must be a finite number ≥ 0, not {options.Temperature}.");
        }
        if (options.TopK < 0) throw new ArgumentOutOfRangeException(nameof(options), $"top_k must be ≥ 0 (0 = off), not {options.TopK}.");
        if (!(options.TopP > 0f && options.TopP <= 1f)) throw new ArgumentOutOfRangeException(nameof(options), $"top_p must be in (0, 1], not {options.TopP}.");
        if (!float.IsFinite(options.FrequencyPenalty)) throw new ArgumentOutOfRangeException(nameof(options), $"freq_penalty must be finite, not {options.FrequencyPenalty}.");
        if (options.TopLogprobs is < 0 or > GenerationOptions.MaxTopLogprobs)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"top logprobs must be between 0 and {GenerationOptions.MaxTopLogprobs}, not {options.TopLogprobs}.");
        }
        if (options.StopToken is { } stop && (uint)stop >= (uint)config.Vocab)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"The stop token {stop} is outside the vocabulary [0, {config.Vocab}).");
        }
    }
}
