namespace FeatureAtlas.Core.Umap;

/// <summary>
/// UMAP hyper-parameters, named and defaulted as umap-learn's <c>UMAP(...)</c> (n_neighbors 15, min_dist 0.1,
/// spread 1, negative_sample_rate 5, learning_rate 1, repulsion_strength 1; n_epochs 200 above 10,000 points,
/// else 500). The result is a function of these, the data and <see cref="Seed"/> only: any thread count gives
/// the same coordinates.
/// </summary>
public sealed record UmapOptions
{
    /// <summary>Neighbours per point, the point itself included (as umap-learn counts them).</summary>
    public int NNeighbors { get; init; } = 15;

    public float MinDist { get; init; } = 0.1f;

    public float Spread { get; init; } = 1f;

    /// <summary>null: 200 for more than 10,000 points, else 500.</summary>
    public int? NEpochs { get; init; }

    public int NegativeSampleRate { get; init; } = 5;

    public float LearningRate { get; init; } = 1f;

    public float RepulsionStrength { get; init; } = 1f;

    /// <summary>How the layout starts; spectral falls back to random (with the reason in the result) when it cannot converge.</summary>
    public UmapInit Init { get; init; } = UmapInit.Spectral;

    public ulong Seed { get; init; }

    /// <summary>NN-descent: random-projection trees for the initial graph, and at most this many iterations.</summary>
    public int Trees { get; init; } = 8;

    public int NnDescentIterations { get; init; } = 12;

    /// <summary>Below this many points the kNN graph is exact (one blocked GEMM), which is then also cheaper.</summary>
    public int ExactNeighborsBelow { get; init; } = 4096;

    public int EpochCount(int points) => NEpochs ?? (points > 10_000 ? 200 : 500);

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(NNeighbors, 2, nameof(NNeighbors));
        ArgumentOutOfRangeException.ThrowIfNegative(MinDist, nameof(MinDist));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Spread, nameof(Spread));
        if (MinDist > Spread) throw new ArgumentOutOfRangeException(nameof(MinDist), $"min_dist {MinDist} must not exceed spread {Spread}.");
        if (NEpochs is { } e) ArgumentOutOfRangeException.ThrowIfNegativeOrZero(e, nameof(NEpochs));
        ArgumentOutOfRangeException.ThrowIfNegative(NegativeSampleRate, nameof(NegativeSampleRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LearningRate, nameof(LearningRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Trees, nameof(Trees));
    }
}

public enum UmapInit
{
    Spectral,
    Random,
}
