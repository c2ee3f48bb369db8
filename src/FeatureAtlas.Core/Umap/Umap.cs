using FeatureAtlas.Core.Similarity;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Umap;

/// <summary>
/// UMAP (McInnes, Healy &amp; Melville 2018) of vectors under the cosine metric, in 2-D, following umap-learn's
/// stages: kNN graph (<see cref="NearestNeighbors"/>), fuzzy simplicial set (<see cref="FuzzyGraph"/>),
/// spectral initialisation, SGD layout with negative sampling (<see cref="UmapOptimizer"/>). Each stage is
/// public so a job can checkpoint between them. Shapes: N points, D dims.
/// </summary>
public static class Umap
{
    /// <summary>The whole pipeline on row vectors [n, d] (normalised here; zero rows stay at cosine distance 1 from all).</summary>
    public static UmapResult Embed(ReadOnlySpan<float> vectors, int n, int d, UmapOptions options, IProgress<UmapProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var unit = CosineSearch.Normalize(vectors, n, d);
        var knn = Neighbors(unit, n, d, options, progress);
        progress?.Report(new UmapProgress("neighbors", 1, 1));
        cancellationToken.ThrowIfCancellationRequested();
        var graph = Graph(knn, options);
        progress?.Report(new UmapProgress("graph", 1, 1));
        var (initial, init) = Initialize(graph, options);
        progress?.Report(new UmapProgress("init", 1, 1));
        var optimizer = new UmapOptimizer(graph, initial, options);
        while (!optimizer.IsDone)
        {
            optimizer.Run(10, cancellationToken);
            progress?.Report(new UmapProgress("epochs", optimizer.Epoch, optimizer.Epochs));
        }
        return new UmapResult(n, optimizer.Embedding, init);
    }

    /// <summary>The kNN graph of unit vectors: exact below <see cref="UmapOptions.ExactNeighborsBelow"/> points, NN-descent above.</summary>
    public static KnnGraph Neighbors(ReadOnlySpan<float> unit, int n, int d, UmapOptions options, IProgress<UmapProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var k = Math.Min(options.NNeighbors, n);
        if (k < 2) throw new ArgumentException($"UMAP needs at least 2 points, has {n}.", nameof(n));
        if (n < options.ExactNeighborsBelow) return NearestNeighbors.Exact(unit, n, d, k);
        var report = progress is null ? null : new SyncProgress<int>(i => progress.Report(new UmapProgress("neighbors", i, options.NnDescentIterations)));
        return NearestNeighbors.Descent(unit, n, d, k, options.Trees, options.NnDescentIterations, options.Seed, report);
    }

    /// <summary>The fuzzy simplicial set, pruned of edges the schedule would never sample.</summary>
    public static FuzzyGraph Graph(KnnGraph knn, UmapOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return FuzzyGraph.Create(knn).Pruned(options.EpochCount(knn.Points));
    }

    /// <summary>
    /// Starting coordinates scaled to [0, 10] per axis as umap-learn does: spectral (expanded to ±10 with
    /// N(0, 10⁻⁴) noise) or, when asked or when the spectral iteration fails, uniform on [−10, 10].
    /// </summary>
    public static (float[] Coordinates, string Initialization) Initialize(FuzzyGraph graph, UmapOptions options)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        var n = graph.Points;
        var stream = CounterRandom.Stream(options.Seed, "umap.init");
        string init;
        float[]? coordinates = null;
        if (options.Init == UmapInit.Spectral)
        {
            coordinates = SpectralLayout.Compute(graph, options.Seed, out var failure, out var label);
            init = failure is null ? label : $"random: {failure}";
        }
        else
        {
            init = "random";
        }
        if (coordinates is not null)
        {
            var max = coordinates.Max(MathF.Abs);
            var noise = new float[coordinates.Length];
            CounterRandom.FillNormal(noise, stream, 1e-4f);
            for (var i = 0; i < coordinates.Length; i++) coordinates[i] = coordinates[i] * (10f / max) + noise[i];
        }
        else
        {
            coordinates = new float[n * 2];
            for (var i = 0; i < coordinates.Length; i++) coordinates[i] = (float)(CounterRandom.Uniform(stream, (ulong)i) * 20 - 10);
        }
        for (var axis = 0; axis < 2; axis++)
        {
            float lo = float.MaxValue, hi = float.MinValue;
            for (var i = 0; i < n; i++)
            {
                lo = Math.Min(lo, coordinates[2 * i + axis]);
                hi = Math.Max(hi, coordinates[2 * i + axis]);
            }
            var scale = hi > lo ? 10f / (hi - lo) : 0f;
            for (var i = 0; i < n; i++) coordinates[2 * i + axis] = (coordinates[2 * i + axis] - lo) * scale;
        }
        return (coordinates, init);
    }

    /// <summary>Reports on the calling thread (System.Progress posts to the thread pool, out of order).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
