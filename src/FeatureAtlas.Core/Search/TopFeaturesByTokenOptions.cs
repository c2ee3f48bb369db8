namespace FeatureAtlas.Core.Search;

/// <summary>Neuronpedia search-topk-by-token's request fields and defaults.</summary>
public sealed class TopFeaturesByTokenOptions
{
    /// <summary>Features per position, 1 to 20.</summary>
    public int NumResults { get; init; } = 10;

    /// <summary>Leave special tokens (GPT-2: BOS/EOS 50256) out of the results.</summary>
    public bool IgnoreBos { get; init; } = true;

    /// <summary>Keep features whose frac_nonzero is at or below this; negative: off.</summary>
    public float DensityThreshold { get; init; } = 0.01f;

    /// <summary>The SAE's frac_nonzero [S]; null: no density filter.</summary>
    public float[]? FracNonzero { get; init; }
}
