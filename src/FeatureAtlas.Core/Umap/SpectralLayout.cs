using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Umap;

/// <summary>
/// umap-learn's spectral initialisation: the eigenvectors of the normalised Laplacian I − D^−½ W D^−½ with the
/// 2nd and 3rd smallest eigenvalues, i.e. of M = D^−½ W D^−½ with the 2nd and 3rd largest. Found by block
/// subspace iteration on (M + I)/2 (eigenvalues in [0, 1], so the wanted ones dominate) with a Rayleigh–Ritz
/// step every 10 iterations, starting from the known top eigenvector D^½·1 and seeded random vectors.
/// </summary>
internal static class SpectralLayout
{
    private const int Block = 8;
    private const int MaxIterations = 400;
    private const double Tolerance = 1e-3;
    private const double ApproximateTolerance = 0.05;

    /// <summary>
    /// Coordinates [N, 2] and "spectral", or "spectral (approximate …)" when the 2nd and 3rd Ritz vectors are
    /// still moving after the last step but lie close to the dominant subspace (residual &lt; 0.05: many near-equal
    /// eigenvalues, as in graphs of many loosely joined clusters, where any vectors of that subspace vary as
    /// slowly over the graph as the true ones); otherwise null with the reason.
    /// </summary>
    public static float[]? Compute(FuzzyGraph graph, ulong seed, out string? failure, out string label)
    {
        var n = graph.Points;
        label = "spectral";
        if (n < Block + 2)
        {
            failure = $"{n} points are too few for a spectral layout";
            return null;
        }
        var invSqrtDegree = new double[n];
        for (var i = 0; i < n; i++)
        {
            double degree = 0;
            for (var p = graph.RowStart[i]; p < graph.RowStart[i + 1]; p++) degree += graph.Weights[p];
            invSqrtDegree[i] = degree > 0 ? 1 / Math.Sqrt(degree) : 0;
        }

        var q = new double[n * Block];   // [Block][N], column-major so each vector is contiguous
        var stream = CounterRandom.Stream(seed, "umap.spectral");
        for (var i = 0; i < n; i++)
        {
            q[i] = invSqrtDegree[i] > 0 ? 1 / invSqrtDegree[i] : 0;
            for (var c = 1; c < Block; c++) q[c * n + i] = CounterRandom.Uniform(stream, (ulong)(c * n + i)) - 0.5;
        }
        Orthonormalize(q, n);
        var z = new double[n * Block];
        var theta = new double[Block];
        var residual = double.PositiveInfinity;
        for (var iteration = 1; iteration <= MaxIterations; iteration++)
        {
            Apply(graph, invSqrtDegree, q, z);
            if (iteration % 10 != 0)
            {
                Array.Copy(z, q, q.Length);
                Orthonormalize(q, n);
                continue;
            }
            // Rayleigh–Ritz: H = Qᵀ S Q, rotate Q to H's eigenvectors (descending), then measure residuals.
            var h = new double[Block * Block];
            for (var r = 0; r < Block; r++)
            {
                for (var c = 0; c < Block; c++) h[r * Block + c] = Dot(q, r, z, c, n);
            }
            var vectors = JacobiEigen(h, theta);
            Rotate(q, vectors, n);
            Rotate(z, vectors, n);
            residual = 0.0;
            for (var c = 1; c <= 2; c++)
            {
                double sum = 0;
                for (var i = 0; i < n; i++)
                {
                    var e = z[c * n + i] - theta[c] * q[c * n + i];
                    sum += e * e;
                }
                residual = Math.Max(residual, Math.Sqrt(sum));
            }
            if (residual < Tolerance || iteration == MaxIterations) break;
            Array.Copy(z, q, q.Length);
            Orthonormalize(q, n);
        }
        if (residual >= ApproximateTolerance)
        {
            failure = $"the spectral iteration did not converge in {MaxIterations} steps (residual {residual:G2})";
            return null;
        }
        if (residual >= Tolerance) label = $"spectral (approximate: residual {residual:G2} after {MaxIterations} steps)";
        return Coordinates(q, n, out failure);
    }

    private static float[]? Coordinates(double[] q, int n, out string? failure)
    {
        var coordinates = new float[n * 2];
        double max = 0;
        for (var i = 0; i < n; i++)
        {
            coordinates[i * 2] = (float)q[n + i];
            coordinates[i * 2 + 1] = (float)q[2 * n + i];
            max = Math.Max(max, Math.Max(Math.Abs(q[n + i]), Math.Abs(q[2 * n + i])));
        }
        if (!(max > 0) || coordinates.Any(float.IsNaN))
        {
            failure = "the spectral vectors were degenerate";
            return null;
        }
        failure = null;
        return coordinates;
    }

    /// <summary>Z = (M + I)/2 · Q, rows in parallel (each row's sum is sequential, so thread count does not matter).</summary>
    private static void Apply(FuzzyGraph graph, double[] invSqrtDegree, double[] q, double[] z)
    {
        var n = graph.Points;
        Parallel.For(0, (n + 1023) / 1024, chunk =>
        {
            var end = Math.Min(n, (chunk + 1) * 1024);
            Span<double> sum = stackalloc double[Block];
            for (var i = chunk * 1024; i < end; i++)
            {
                sum.Clear();
                for (var p = graph.RowStart[i]; p < graph.RowStart[i + 1]; p++)
                {
                    var j = graph.Columns[p];
                    var w = graph.Weights[p] * invSqrtDegree[j];
                    for (var c = 0; c < Block; c++) sum[c] += w * q[c * n + j];
                }
                for (var c = 0; c < Block; c++) z[c * n + i] = 0.5 * (sum[c] * invSqrtDegree[i] + q[c * n + i]);
            }
        });
    }

    private static double Dot(double[] a, int ca, double[] b, int cb, int n)
    {
        double sum = 0;
        for (var i = 0; i < n; i++) sum += a[ca * n + i] * b[cb * n + i];
        return sum;
    }

    private static void Orthonormalize(double[] q, int n)
    {
        for (var c = 0; c < Block; c++)
        {
            for (var prior = 0; prior < c; prior++)
            {
                var dot = Dot(q, c, q, prior, n);
                for (var i = 0; i < n; i++) q[c * n + i] -= dot * q[prior * n + i];
            }
            var norm = Math.Sqrt(Dot(q, c, q, c, n));
            if (norm == 0) norm = 1;
            for (var i = 0; i < n; i++) q[c * n + i] /= norm;
        }
    }

    private static void Rotate(double[] q, double[,] vectors, int n)
    {
        var row = new double[Block];
        for (var i = 0; i < n; i++)
        {
            for (var c = 0; c < Block; c++)
            {
                double sum = 0;
                for (var r = 0; r < Block; r++) sum += q[r * n + i] * vectors[r, c];
                row[c] = sum;
            }
            for (var c = 0; c < Block; c++) q[c * n + i] = row[c];
        }
    }

    /// <summary>Cyclic Jacobi on a small symmetric matrix: eigenvalues (descending) and eigenvectors as columns.</summary>
    private static double[,] JacobiEigen(double[] h, double[] values)
    {
        var a = new double[Block, Block];
        var v = new double[Block, Block];
        for (var r = 0; r < Block; r++)
        {
            v[r, r] = 1;
            for (var c = 0; c < Block; c++) a[r, c] = 0.5 * (h[r * Block + c] + h[c * Block + r]);
        }
        for (var sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (var r = 0; r < Block; r++) for (var c = r + 1; c < Block; c++) off += a[r, c] * a[r, c];
            if (off < 1e-30) break;
            for (var p = 0; p < Block; p++)
            {
                for (var r = p + 1; r < Block; r++)
                {
                    if (Math.Abs(a[p, r]) < 1e-300) continue;
                    var tau = (a[r, r] - a[p, p]) / (2 * a[p, r]);
                    var t = Math.Sign(tau == 0 ? 1 : tau) / (Math.Abs(tau) + Math.Sqrt(1 + tau * tau));
                    var cos = 1 / Math.Sqrt(1 + t * t);
                    var sin = t * cos;
                    for (var k = 0; k < Block; k++)
                    {
                        double akp = a[k, p], akr = a[k, r];
                        a[k, p] = cos * akp - sin * akr;
                        a[k, r] = sin * akp + cos * akr;
                    }
                    for (var k = 0; k < Block; k++)
                    {
                        double apk = a[p, k], ark = a[r, k];
                        a[p, k] = cos * apk - sin * ark;
                        a[r, k] = sin * apk + cos * ark;
                    }
                    for (var k = 0; k < Block; k++)
                    {
                        double vkp = v[k, p], vkr = v[k, r];
                        v[k, p] = cos * vkp - sin * vkr;
                        v[k, r] = sin * vkp + cos * vkr;
                    }
                }
            }
        }
        var order = Enumerable.Range(0, Block).OrderByDescending(i => a[i, i]).ToArray();
        var sorted = new double[Block, Block];
        for (var c = 0; c < Block; c++)
        {
            values[c] = a[order[c], order[c]];
            for (var r = 0; r < Block; r++) sorted[r, c] = v[r, order[c]];
        }
        return sorted;
    }
}
