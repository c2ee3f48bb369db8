namespace FeatureAtlas.Core.Umap;

/// <summary>
/// UMAP's fuzzy simplicial set, a symmetric weighted graph in CSR form: row pointers [N + 1], column indexes and
/// membership strengths [nnz], columns ascending within a row.
/// </summary>
public sealed record FuzzyGraph(int Points, int[] RowStart, int[] Columns, float[] Weights)
{
    private const double SmoothKTolerance = 1e-5;
    private const double MinKDistScale = 1e-3;

    public int Edges => Columns.Length;

    /// <summary>
    /// umap-learn's fuzzy_simplicial_set with local_connectivity 1 and set_op_mix_ratio 1: per point, ρ is the
    /// distance to the nearest other point and σ solves Σⱼ exp(−(dⱼ − ρ)/σ) = log₂ k by bisection
    /// (smooth_knn_dist); memberships exp(−(d − ρ)/σ) are made symmetric by the fuzzy union A + Aᵀ − A∘Aᵀ.
    /// </summary>
    public static FuzzyGraph Create(KnnGraph knn)
    {
        ArgumentNullException.ThrowIfNull(knn);
        int n = knn.Points, k = knn.K;
        var (rho, sigma) = SmoothKnnDistances(knn);

        // Directed memberships A[i, j] as (i·n + j) keys, with their transposes, merged by the fuzzy union.
        var keys = new List<long>(n * k * 2);
        var values = new List<(float Forward, float Backward)>(n * k * 2);
        for (var i = 0; i < n; i++)
        {
            for (var s = 0; s < k; s++)
            {
                var j = knn.Indices[i * k + s];
                if (j < 0 || j == i) continue;
                var d = knn.Distances[i * k + s] - rho[i];
                var w = d <= 0 || sigma[i] == 0 ? 1f : (float)Math.Exp(-(d / sigma[i]));
                if (w == 0f) continue;
                keys.Add((long)i * n + j);
                values.Add((w, 0f));
                keys.Add((long)j * n + i);
                values.Add((0f, w));
            }
        }
        var keyArray = keys.ToArray();
        var valueArray = values.ToArray();
        Array.Sort(keyArray, valueArray);

        var rowStart = new int[n + 1];
        var columns = new List<int>(keyArray.Length);
        var weights = new List<float>(keyArray.Length);
        for (var p = 0; p < keyArray.Length;)
        {
            var key = keyArray[p];
            float a = 0f, b = 0f;
            for (; p < keyArray.Length && keyArray[p] == key; p++)
            {
                a = Math.Max(a, valueArray[p].Forward);
                b = Math.Max(b, valueArray[p].Backward);
            }
            var row = (int)(key / n);
            rowStart[row + 1]++;
            columns.Add((int)(key % n));
            weights.Add(a + b - a * b);
        }
        for (var i = 0; i < n; i++) rowStart[i + 1] += rowStart[i];
        return new FuzzyGraph(n, rowStart, columns.ToArray(), weights.ToArray());
    }

    /// <summary>umap-learn's smooth_knn_dist (64 bisection steps, tolerance 1e-5, σ ≥ 1e-3 × mean distance).</summary>
    internal static (double[] Rho, double[] Sigma) SmoothKnnDistances(KnnGraph knn)
    {
        int n = knn.Points, k = knn.K;
        var target = Math.Log2(k);
        var rho = new double[n];
        var sigma = new double[n];
        double total = 0;
        long finite = 0;
        foreach (var d in knn.Distances) if (float.IsFinite(d)) { total += d; finite++; }
        var meanAll = finite == 0 ? 0 : total / finite;

        Parallel.For(0, n, i =>
        {
            var row = knn.DistancesOf(i);
            double nearest = 0, sum = 0;
            var count = 0;
            foreach (var d in row)
            {
                if (!float.IsFinite(d)) continue;
                sum += d;
                count++;
                if (d > 0 && (nearest == 0 || d < nearest)) nearest = d;
            }
            rho[i] = nearest;
            double lo = 0, hi = double.PositiveInfinity, mid = 1;
            for (var step = 0; step < 64; step++)
            {
                double psum = 0;
                for (var s = 1; s < k; s++)
                {
                    if (!float.IsFinite(row[s])) continue;
                    var d = row[s] - rho[i];
                    psum += d > 0 ? Math.Exp(-(d / mid)) : 1.0;
                }
                if (Math.Abs(psum - target) < SmoothKTolerance) break;
                if (psum > target)
                {
                    hi = mid;
                    mid = (lo + hi) / 2;
                }
                else
                {
                    lo = mid;
                    mid = double.IsPositiveInfinity(hi) ? mid * 2 : (lo + hi) / 2;
                }
            }
            var floor = MinKDistScale * (rho[i] > 0 ? (count == 0 ? 0 : sum / count) : meanAll);
            sigma[i] = Math.Max(mid, floor);
        });
        return (rho, sigma);
    }

    /// <summary>Drops edges weaker than max / <paramref name="epochs"/> (they would never be sampled), as umap-learn does before layout.</summary>
    public FuzzyGraph Pruned(int epochs)
    {
        var max = Weights.Length == 0 ? 0f : Weights.Max();
        var floor = max / epochs;
        var rowStart = new int[Points + 1];
        var columns = new List<int>(Columns.Length);
        var weights = new List<float>(Columns.Length);
        for (var i = 0; i < Points; i++)
        {
            for (var p = RowStart[i]; p < RowStart[i + 1]; p++)
            {
                if (Weights[p] < floor) continue;
                columns.Add(Columns[p]);
                weights.Add(Weights[p]);
            }
            rowStart[i + 1] = columns.Count;
        }
        return new FuzzyGraph(Points, rowStart, columns.ToArray(), weights.ToArray());
    }
}
