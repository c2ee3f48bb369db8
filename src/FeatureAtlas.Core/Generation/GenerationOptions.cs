namespace FeatureAtlas.Core.Generation;

/// <summary>
/// How <see cref="TextGenerator"/> picks tokens. Sampling follows the usual order: frequency penalty on the
/// logits, then temperature, then top-k and top-p, then one draw. Defaults are greedy decoding of 32 tokens.
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>Tokens to generate per sequence (n_tokens), at least 1; prompt + new tokens − 1 must fit n_positions.</summary>
    public int NewTokens { get; init; } = 32;

    /// <summary>Softmax temperature; 0 picks the most likely token (greedy, the lowest id on a tie).</summary>
    public float Temperature { get; init; }

    /// <summary>Sample only among the k most likely tokens; 0 = off.</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus sampling: the smallest set of most likely tokens whose probability reaches p; 1 = off.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>
    /// OpenAI's frequency_penalty (−2..2): logit[j] −= penalty × (times j was generated so far in this sequence),
    /// before temperature; it applies to greedy decoding too.
    /// </summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>
    /// Seeds the draws. Draw s of every sequence is the same uniform number (splitmix64 of seed and s, one
    /// thread), so default and steered texts share their randomness and a run repeats exactly on any thread count.
    /// </summary>
    public ulong Seed { get; init; } = 16;

    /// <summary>Alternatives reported per step (0..20), most likely first, as log-probabilities.</summary>
    public int TopLogprobs { get; init; } = 5;

    /// <summary>A sequence stops after generating this token (it is included); null = always <see cref="NewTokens"/>.</summary>
    public int? StopToken { get; init; }

    /// <summary>The most alternatives per step <see cref="TopLogprobs"/> may ask for.</summary>
    public const int MaxTopLogprobs = 20;
}
