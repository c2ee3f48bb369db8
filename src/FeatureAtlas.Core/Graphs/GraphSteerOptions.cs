namespace FeatureAtlas.Core.Graphs;

/// <summary>How <see cref="GraphSteering"/> generates (Neuronpedia's graph steer request, with its graph-page defaults).</summary>
public sealed record GraphSteerOptions
{
    /// <summary>The most tokens one request may generate (each is a forward pass over the whole sequence, twice).</summary>
    public const int MaxNewTokens = 64;

    /// <summary>The most top logits reported per token.</summary>
    public const int MaxTopK = 20;

    /// <summary>The most features one request may steer.</summary>
    public const int MaxFeatures = 256;

    /// <summary>Tokens generated after the prompt (nTokens; the graph page sends 10).</summary>
    public int NewTokens { get; init; } = 10;

    /// <summary>Top next-token probabilities reported per position (topK).</summary>
    public int TopK { get; init; } = 5;

    /// <summary>Hold every block's attention pattern, for prompt queries, at its value on the unsteered prompt (freezeAttention).</summary>
    public bool FreezeAttention { get; init; } = true;

    /// <summary>0 decodes greedily, as the graph page does; above 0 samples (the draws of default and steered runs are the same).</summary>
    public float Temperature { get; init; }

    /// <summary>logit −= penalty × times the token was generated so far (as /api/steer applies it).</summary>
    public float FrequencyPenalty { get; init; }

    public ulong Seed { get; init; } = 16;

    public void Validate()
    {
        if (NewTokens is < 1 or > MaxNewTokens) throw new ArgumentOutOfRangeException(nameof(NewTokens), $"nTokens must be 1 to {MaxNewTokens}, found {NewTokens}.");
        if (TopK is < 0 or > MaxTopK) throw new ArgumentOutOfRangeException(nameof(TopK), $"topK must be 0 to {MaxTopK}, found {TopK}.");
        if (!(Temperature is >= 0 and <= 2)) throw new ArgumentOutOfRangeException(nameof(Temperature), $"temperature must be 0 to 2, found {Temperature}.");
        if (!(FrequencyPenalty is >= -2 and <= 2)) throw new ArgumentOutOfRangeException(nameof(FrequencyPenalty), $"freqPenalty must be −2 to 2, found {FrequencyPenalty}.");
    }
}
