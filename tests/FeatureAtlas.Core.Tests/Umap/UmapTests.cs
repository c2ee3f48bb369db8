using FeatureAtlas.Core.Similarity;
using FeatureAtlas.Core.Tensors;
using FeatureAtlas.Core.Umap;

namespace FeatureAtlas.Core.Tests.Umap;

public class UmapTests
{
    /// <summary>Well-separated Gaussian clusters: `clusters` random unit centres in d dims, each point centre + N(0, σ²/d).</summary>
    internal static (float[] Vectors, int[] Labels) GaussianClusters(int n, int d, int clusters, float sigma, ulong seed)
    {
        var centres = new float[clusters * d];
        CounterRandom.FillNormal(centres, CounterRandom.Stream(seed, "centres"), 1f / MathF.Sqrt(d));
        var noise = new float[n * d];
        CounterRandom.FillNormal(noise, CounterRandom.Stream(seed, "noise"), sigma / MathF.Sqrt(d));
        var vectors = new float[n * d];
        var labels = new int[n];
        for (var i = 0; i < n; i++)
        {
            labels[i] = i % clusters;
            for (var j = 0; j < d; j++) vectors[i * d + j] = centres[labels[i] * d + j] + noise[i * d + j];
        }
        return (vectors, labels);
    }

    [Fact]
    public void Embed_SameSeed_IdenticalCoordinates_OtherSeedDiffers()
    {
        var (x, _) = GaussianClusters(300, 24, 4, 0.3f, 1);
        var options = new UmapOptions { Seed = 7, NEpochs = 60 };
        var first = Core.Umap.Umap.Embed(x, 300, 24, options);
        var second = Core.Umap.Umap.Embed(x, 300, 24, options);
        var other = Core.Umap.Umap.Embed(x, 300, 24, options with { Seed = 8 });
        Assert.Equal(first.Coordinates, second.Coordinates);
        Assert.NotEqual(first.Coordinates, other.Coordinates);
        Assert.All(first.Coordinates, c => Assert.True(float.IsFinite(c)));
    }

    [Fact]
    public void Embed_GaussianClusters_TrustworthyAndSeparated()
    {
        const int n = 600, d = 32, clusters = 6;
        var (x, labels) = GaussianClusters(n, d, clusters, 0.35f, 2);
        var result = Core.Umap.Umap.Embed(x, n, d, new UmapOptions { Seed = 0, NEpochs = 200 });
        var trust = Trustworthiness.Compute(x, n, d, result.Coordinates, k: 15);
        Assert.True(trust > 0.9, $"trustworthiness {trust:F4} ≤ 0.9 (init {result.Initialization})");

        // Separation: every point's 10 nearest points in the map share its cluster, and the clusters' spreads
        // are small next to the distances between their centroids.
        var neighbors = Trustworthiness.EmbeddingNeighbors(result.Coordinates, n, 10);
        var pure = Enumerable.Range(0, n * 10).Count(p => labels[neighbors[p]] == labels[p / 10]) / (double)(n * 10);
        Assert.True(pure > 0.98, $"only {pure:P1} of map neighbours share a cluster");
        var centroids = new double[clusters, 2];
        for (var i = 0; i < n; i++)
        {
            centroids[labels[i], 0] += result.Coordinates[2 * i] / (n / clusters);
            centroids[labels[i], 1] += result.Coordinates[2 * i + 1] / (n / clusters);
        }
        double maxSpread = 0, minGap = double.MaxValue;
        for (var i = 0; i < n; i++)
        {
            var c = labels[i];
            maxSpread = Math.Max(maxSpread, Math.Sqrt(Math.Pow(result.Coordinates[2 * i] - centroids[c, 0], 2) + Math.Pow(result.Coordinates[2 * i + 1] - centroids[c, 1], 2)));
        }
        for (var a = 0; a < clusters; a++)
        {
            for (var b = a + 1; b < clusters; b++) minGap = Math.Min(minGap, Math.Sqrt(Math.Pow(centroids[a, 0] - centroids[b, 0], 2) + Math.Pow(centroids[a, 1] - centroids[b, 1], 2)));
        }
        Assert.True(minGap > maxSpread, $"closest centroids {minGap:F2} apart, but a point lies {maxSpread:F2} from its centroid");
    }

    [Fact]
    public void FitAb_DefaultMinDistSpread_MatchesUmapLearn()
    {
        // umap.umap_.find_ab_params(1.0, 0.1) in umap-learn 0.5.3: (1.5769434603113077, 0.8950608779109733).
        var (a, b) = UmapCurve.FitAb(1f, 0.1f);
        Assert.Equal(1.5769, a, 3);
        Assert.Equal(0.8951, b, 3);
    }

    [Fact]
    public void Descent_ClusteredMatrix_RecallsExactNeighbours()
    {
        const int n = 1500, d = 48;
        var (x, _) = SyntheticDirections.Create(n, d, 40, seed: 3);
        var exact = NearestNeighbors.Exact(x, n, d, 15);
        var approximate = NearestNeighbors.Descent(x, n, d, 15, trees: 4, iterations: 10, seed: 0);
        var again = NearestNeighbors.Descent(x, n, d, 15, trees: 4, iterations: 10, seed: 0);
        var recall = approximate.Recall(exact);
        Assert.True(recall > 0.97, $"NN-descent recall {recall:F4}");
        Assert.Equal(approximate.Indices, again.Indices);
        for (var i = 0; i < n; i++) Assert.Equal(i, approximate.NeighborsOf(i)[0]);
    }

    [Fact]
    public void Trustworthiness_SmallInput_MatchesPlainDefinition()
    {
        const int n = 80, d = 6, k = 5;
        var x = FeatureAtlas.TestSupport.TestData.Uniform(n * d, 11);
        var embedding = FeatureAtlas.TestSupport.TestData.Uniform(n * 2, 12);
        var expected = PlainTrustworthiness(x, n, d, embedding, k);
        Assert.Equal(expected, Trustworthiness.Compute(x, n, d, embedding, k), 6);
        // Points on the unit circle are their own perfect map: chord length orders pairs as the cosine does.
        var angles = FeatureAtlas.TestSupport.TestData.Uniform(n, 13, MathF.PI);
        var circle = angles.SelectMany(t => new[] { MathF.Cos(t), MathF.Sin(t) }).ToArray();
        Assert.Equal(1.0, Trustworthiness.Compute(circle, n, 2, circle, k), 6);
    }

    /// <summary>sklearn's formula with full sorts: rank of j among i's input neighbours by cosine.</summary>
    private static double PlainTrustworthiness(float[] x, int n, int d, float[] y, int k)
    {
        double Cos(int i, int j)
        {
            double dot = 0, ni = 0, nj = 0;
            for (var t = 0; t < d; t++)
            {
                dot += x[i * d + t] * x[j * d + t];
                ni += x[i * d + t] * x[i * d + t];
                nj += x[j * d + t] * x[j * d + t];
            }
            return dot / Math.Sqrt(ni * nj);
        }
        double penalty = 0;
        for (var i = 0; i < n; i++)
        {
            var byInput = Enumerable.Range(0, n).Where(j => j != i).OrderByDescending(j => Cos(i, j)).ToList();
            var byMap = Enumerable.Range(0, n).Where(j => j != i)
                .OrderBy(j => Math.Pow(y[2 * i] - y[2 * j], 2) + Math.Pow(y[2 * i + 1] - y[2 * j + 1], 2)).Take(k);
            foreach (var j in byMap)
            {
                var rank = byInput.IndexOf(j) + 1;
                if (rank > k) penalty += rank - k;
            }
        }
        return 1 - 2.0 / (n * (double)k * (2.0 * n - 3.0 * k - 1.0)) * penalty;
    }
}
