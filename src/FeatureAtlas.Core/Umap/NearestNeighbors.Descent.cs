using System.Collections.Concurrent;
using System.Numerics.Tensors;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Umap;

public static partial class NearestNeighbors
{
    private const int LeafSize = 32;

    /// <summary>
    /// NN-descent: a random-projection forest gives each point candidates from its leaves, then each iteration
    /// compares the neighbours of each point's neighbours (forward and reverse lists, sampled to
    /// <c>2·K</c> candidates, new against new and old) until fewer than 0.1% of the list entries change.
    /// Deterministic for any thread count: the randomness is counter-based, and every update keeps the K best
    /// (distance, index) pairs, a set that does not depend on the order the updates arrive in.
    /// </summary>
    public static KnnGraph Descent(ReadOnlySpan<float> unit, int n, int d, int k, int trees, int iterations, ulong seed, IProgress<int>? progress = null)
    {
        Check(unit, n, d, k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trees);
        var others = Math.Min(k - 1, n - 1);
        if (others == 0) return WithSelf(n, k, 1, Enumerable.Repeat(-1, n).ToArray(), new float[n], similarity: false);
        var data = unit[..(n * d)].ToArray();
        var heap = new NeighborHeap(n, others);

        var stream = CounterRandom.Stream(seed, "umap.nn_descent");
        var forest = new List<int[]>[trees];
        Parallel.For(0, trees, t => forest[t] = BuildTree(data, n, d, CounterRandom.Stream(stream, $"tree.{t}")));
        foreach (var leaves in forest)
        {
            // Leaves of one tree are disjoint, so each heap is written by one leaf at a time.
            Parallel.ForEach(leaves, leaf =>
            {
                for (var a = 0; a < leaf.Length; a++)
                {
                    for (var b = a + 1; b < leaf.Length; b++)
                    {
                        var distance = Distance(data, d, leaf[a], leaf[b]);
                        heap.Push(leaf[a], leaf[b], distance, 0);
                        heap.Push(leaf[b], leaf[a], distance, 0);
                    }
                }
            });
        }
        progress?.Report(0);

        var maxCandidates = Math.Min(2 * others, 60);
        var threshold = Math.Max(1L, (long)(0.001 * n * others));
        for (var iteration = 1; iteration <= iterations; iteration++)
        {
            var (fresh, old) = SampleCandidates(heap, maxCandidates, CounterRandom.Stream(stream, $"iteration.{iteration}"));
            var worst = new float[n];
            for (var i = 0; i < n; i++) worst[i] = heap.Worst(i);

            var updates = new ConcurrentBag<List<(int A, int B, float Distance)>>();
            Parallel.For(0, n, () => new List<(int, int, float)>(), (v, _, local) =>
            {
                var newList = fresh.Of(v);
                var oldList = old.Of(v);
                for (var x = 0; x < newList.Length; x++)
                {
                    var a = newList[x];
                    for (var y = x + 1; y < newList.Length; y++) Compare(a, newList[y]);
                    foreach (var b in oldList) if (b != a) Compare(a, b);
                }
                return local;

                void Compare(int a, int b)
                {
                    var distance = Distance(data, d, a, b);
                    if (distance < worst[a] || distance < worst[b]) local.Add((a, b, distance));
                }
            }, updates.Add);

            foreach (var list in updates)
            {
                foreach (var (a, b, distance) in list)
                {
                    heap.Push(a, b, distance, iteration);
                    heap.Push(b, a, distance, iteration);
                }
            }
            progress?.Report(iteration);
            if (heap.CountStamped(iteration) <= threshold) break;
        }
        return WithSelf(n, k, others, heap.Indices, heap.Distances, similarity: false);
    }

    private static float Distance(float[] data, int d, int a, int b) =>
        1f - TensorPrimitives.Dot(new ReadOnlySpan<float>(data, a * d, d), new ReadOnlySpan<float>(data, b * d, d));

    /// <summary>
    /// Each point's candidates: its own list and the points listing it, split into entries not yet joined
    /// ("new") and the rest, each capped at <paramref name="max"/> by a random priority per pair. New entries
    /// that were sampled are marked old, so they are joined once.
    /// </summary>
    private static (CandidateLists Fresh, CandidateLists Old) SampleCandidates(NeighborHeap heap, int max, ulong stream)
    {
        var fresh = new CandidateLists(heap.Points, max);
        var old = new CandidateLists(heap.Points, max);
        for (var v = 0; v < heap.Points; v++)
        {
            for (var s = 0; s < heap.K; s++)
            {
                var u = heap.Indices[v * heap.K + s];
                if (u < 0) continue;
                // One priority per unordered pair, so (v, u) and (u, v) are kept or dropped together.
                var priority = CounterRandom.Uniform(stream, (ulong)Math.Min(u, v) * (ulong)heap.Points + (ulong)Math.Max(u, v));
                var lists = heap.IsNew[v * heap.K + s] ? fresh : old;
                lists.Push(v, u, priority);
                lists.Push(u, v, priority);
            }
        }
        for (var v = 0; v < heap.Points; v++)
        {
            for (var s = 0; s < heap.K; s++)
            {
                if (heap.IsNew[v * heap.K + s] && fresh.Of(v).Contains(heap.Indices[v * heap.K + s])) heap.IsNew[v * heap.K + s] = false;
            }
        }
        return (fresh, old);
    }

    /// <summary>One random-projection tree: split by the hyperplane between two random points until leaves hold ≤ 32.</summary>
    private static List<int[]> BuildTree(float[] data, int n, int d, ulong stream)
    {
        var leaves = new List<int[]>();
        var normal = new float[d];
        ulong draws = 0;
        var stack = new Stack<int[]>();
        stack.Push(Enumerable.Range(0, n).ToArray());
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node.Length <= LeafSize)
            {
                leaves.Add(node);
                continue;
            }
            var a = node[(int)(CounterRandom.Uniform(stream, draws++) * node.Length) % node.Length];
            var b = node[(int)(CounterRandom.Uniform(stream, draws++) * node.Length) % node.Length];
            TensorPrimitives.Subtract(data.AsSpan(a * d, d), data.AsSpan(b * d, d), normal);
            var left = new List<int>(node.Length);
            var right = new List<int>(node.Length);
            foreach (var p in node)
            {
                var margin = TensorPrimitives.Dot(data.AsSpan(p * d, d), normal);
                var side = margin > 0f || (margin == 0f && CounterRandom.Uniform(stream, draws++) < 0.5);
                (side ? left : right).Add(p);
            }
            if (left.Count == 0 || right.Count == 0)
            {
                // Identical points (or a == b): split in half at random rather than loop.
                left.Clear();
                right.Clear();
                foreach (var p in node) (CounterRandom.Uniform(stream, draws++) < 0.5 ? left : right).Add(p);
                if (left.Count == 0 || right.Count == 0)
                {
                    leaves.Add(node);
                    continue;
                }
            }
            stack.Push(right.ToArray());
            stack.Push(left.ToArray());
        }
        return leaves;
    }
}
