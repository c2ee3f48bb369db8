using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Umap;

/// <summary>
/// A SYNTHETIC stand-in for an SAE decoder, for benchmarks and tests: unit vectors drawn as a mixture of
/// directions. Cluster centres are random unit vectors; cluster sizes fall off as 1/rank (a few large
/// families, many small ones); each point is its centre plus Gaussian noise of a per-cluster spread (cosine to
/// the centre ≈ 0.6–0.9), and a fraction are blends of two centres, which makes bridges between clusters as
/// feature splitting does. Deterministic for a seed on any machine (<see cref="CounterRandom"/>).
/// Returns rows [n, d] and each row's cluster (the first centre of a blend).
/// </summary>
public static class SyntheticDirections
{
    public static (float[] Vectors, int[] Labels) Create(int n, int d, int clusters, ulong seed, double blendFraction = 0.15)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clusters);
        var centres = new float[clusters * d];
        CounterRandom.FillNormal(centres, CounterRandom.Stream(seed, "synthetic.centres"), 1f);
        for (var c = 0; c < clusters; c++) Normalize(centres.AsSpan(c * d, d));

        // Cluster of each point: sizes ∝ 1 / (rank + 1), assigned by cumulative share so every cluster gets one.
        var weights = Enumerable.Range(0, clusters).Select(c => 1.0 / (c + 1)).ToArray();
        var total = weights.Sum();
        var labels = new int[n];
        var stream = CounterRandom.Stream(seed, "synthetic.points");
        var vectors = new float[(long)n * d];
        var noise = new float[d];
        for (var i = 0; i < n; i++)
        {
            var u = CounterRandom.Uniform(stream, (ulong)i * 4) * total;
            var c = 0;
            while (c < clusters - 1 && u > weights[c]) u -= weights[c++];
            labels[i] = c;
            var row = vectors.AsSpan(i * d, d);
            centres.AsSpan(c * d, d).CopyTo(row);
            if (CounterRandom.Uniform(stream, (ulong)i * 4 + 1) < blendFraction)
            {
                var other = (int)(CounterRandom.Uniform(stream, (ulong)i * 4 + 2) * clusters) % clusters;
                var t = (float)(0.2 + 0.3 * CounterRandom.Uniform(stream, (ulong)i * 4 + 3));
                for (var j = 0; j < d; j++) row[j] = (1 - t) * row[j] + t * centres[other * d + j];
            }
            var spread = 0.5f + 0.6f * ((c * 7919) % 100) / 100f;
            CounterRandom.FillNormal(noise, CounterRandom.Stream(stream, $"noise.{i}"), spread / MathF.Sqrt(d));
            for (var j = 0; j < d; j++) row[j] += noise[j];
            Normalize(row);
        }
        return (vectors, labels);
    }

    private static void Normalize(Span<float> row)
    {
        var norm = System.Numerics.Tensors.TensorPrimitives.Norm(row);
        if (norm > 0) System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
    }
}
