namespace FeatureAtlas.Core.Umap;

/// <summary>
/// The low-dimensional similarity 1 / (1 + a·d^(2b)) and its parameters fitted from min_dist and spread, as
/// umap-learn's find_ab_params does (least squares against 1 for d &lt; min_dist, exp(−(d − min_dist)/spread)
/// beyond, at 300 points on [0, 3·spread]); here by Levenberg–Marquardt, as scipy's curve_fit.
/// </summary>
public static class UmapCurve
{
    public static (float A, float B) FitAb(float spread, float minDist)
    {
        const int count = 300;
        var x = new double[count];
        var y = new double[count];
        for (var i = 0; i < count; i++)
        {
            x[i] = 3.0 * spread * i / (count - 1);
            y[i] = x[i] < minDist ? 1.0 : Math.Exp(-(x[i] - minDist) / spread);
        }

        double a = 1, b = 1, lambda = 1e-3;
        var cost = Cost(a, b);
        for (var iteration = 0; iteration < 200; iteration++)
        {
            // Normal equations of the 2-parameter Gauss–Newton step, damped.
            double jaa = 0, jab = 0, jbb = 0, ga = 0, gb = 0;
            for (var i = 1; i < count; i++)
            {
                var p = Math.Pow(x[i], 2 * b);
                var f = 1 / (1 + a * p);
                var r = f - y[i];
                var dfda = -p * f * f;
                var dfdb = -a * p * 2 * Math.Log(x[i]) * f * f;
                jaa += dfda * dfda;
                jab += dfda * dfdb;
                jbb += dfdb * dfdb;
                ga += dfda * r;
                gb += dfdb * r;
            }
            var improved = false;
            while (lambda < 1e10)
            {
                double maa = jaa * (1 + lambda), mbb = jbb * (1 + lambda);
                var det = maa * mbb - jab * jab;
                var da = -(mbb * ga - jab * gb) / det;
                var db = -(maa * gb - jab * ga) / det;
                var next = Cost(a + da, b + db);
                if (next < cost)
                {
                    var converged = cost - next < 1e-15 * Math.Max(cost, 1e-30);
                    a += da;
                    b += db;
                    cost = next;
                    lambda = Math.Max(lambda / 10, 1e-12);
                    improved = !converged;
                    break;
                }
                lambda *= 10;
            }
            if (!improved) break;
        }
        return ((float)a, (float)b);

        double Cost(double a, double b)
        {
            double sum = 0;
            for (var i = 0; i < count; i++)
            {
                var r = 1 / (1 + a * Math.Pow(x[i], 2 * b)) - y[i];
                sum += r * r;
            }
            return sum;
        }
    }
}
