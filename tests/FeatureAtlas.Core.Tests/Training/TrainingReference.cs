using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Tests.Training;

/// <summary>
/// The float64 reference twin of <see cref="Core.Training.SaeTrainer"/>'s forward and backward: plain loops, no
/// GEMM, no sparsity tricks. Parameters as SAELens names them ([I, S] W_enc, [S, I] W_dec); θ as log θ.
/// </summary>
internal sealed class TrainingReference(SaeArchitecture architecture, int dIn, int dSae, int k, double coefficient, double bandwidth)
{
    public double[] WEnc = new double[dIn * dSae];
    public double[] WDec = new double[dSae * dIn];
    public double[] BEnc = new double[dSae];
    public double[] BDec = new double[dIn];
    public double[] LogThreshold = new double[dSae];

    /// <summary>Loss = mean_b Σ_d (x̂ − x)² + sparsity, and (when <paramref name="gradients"/>) its gradients in the same layout.</summary>
    public double Loss(float[] x, int rows, TrainingReference? gradients = null)
    {
        double total = 0;
        var norms = new double[dSae];
        for (var i = 0; i < dSae; i++)
        {
            double s = 0;
            for (var d = 0; d < dIn; d++) s += WDec[i * dIn + d] * WDec[i * dIn + d];
            norms[i] = Math.Sqrt(s);
        }
        var columnSum = new double[dSae];
        for (var b = 0; b < rows; b++)
        {
            var xc = new double[dIn];
            for (var d = 0; d < dIn; d++) xc[d] = x[b * dIn + d] - BDec[d];
            var h = new double[dSae];
            for (var i = 0; i < dSae; i++)
            {
                var sum = BEnc[i];
                for (var d = 0; d < dIn; d++) sum += xc[d] * WEnc[d * dSae + i];
                h[i] = sum;
            }
            var f = new double[dSae];
            var kept = architecture == SaeArchitecture.TopK ? h.Select((v, i) => (v, i)).OrderByDescending(p => p.v).ThenBy(p => p.i).Take(k).Select(p => p.i).ToHashSet() : null;
            for (var i = 0; i < dSae; i++)
            {
                f[i] = architecture switch
                {
                    SaeArchitecture.JumpRelu => h[i] > Math.Exp(LogThreshold[i]) ? h[i] : 0,
                    SaeArchitecture.TopK => kept!.Contains(i) ? Math.Max(h[i], 0) : 0,
                    _ => Math.Max(h[i], 0),
                };
                if (architecture == SaeArchitecture.Standard) total += coefficient * f[i] * norms[i] / rows;
                if (architecture == SaeArchitecture.JumpRelu && h[i] > Math.Exp(LogThreshold[i])) total += coefficient / rows;
            }
            var dRecon = new double[dIn];
            for (var d = 0; d < dIn; d++)
            {
                var recon = BDec[d];
                for (var i = 0; i < dSae; i++) recon += f[i] * WDec[i * dIn + d];
                var e = recon - x[b * dIn + d];
                total += e * e / rows;
                dRecon[d] = 2 * e / rows;
            }
            if (gradients is null) continue;

            for (var d = 0; d < dIn; d++) gradients.BDec[d] += dRecon[d];
            for (var i = 0; i < dSae; i++)
            {
                double df = 0;
                for (var d = 0; d < dIn; d++)
                {
                    df += dRecon[d] * WDec[i * dIn + d];
                    gradients.WDec[i * dIn + d] += f[i] * dRecon[d];
                }
                var theta = Math.Exp(LogThreshold[i]);
                double dh;
                switch (architecture)
                {
                    case SaeArchitecture.Standard:
                        columnSum[i] += f[i];
                        dh = h[i] > 0 ? df + coefficient * norms[i] / rows : 0;
                        break;
                    case SaeArchitecture.JumpRelu:
                        dh = h[i] > theta ? df : 0;
                        if (Math.Abs((h[i] - theta) / bandwidth) < 0.5)
                        {
                            gradients.LogThreshold[i] += theta * (-(theta / bandwidth) * df - coefficient / (rows * bandwidth));
                        }
                        break;
                    default:
                        dh = f[i] > 0 ? df : 0;
                        break;
                }
                gradients.BEnc[i] += dh;
                for (var d = 0; d < dIn; d++)
                {
                    gradients.WEnc[d * dSae + i] += xc[d] * dh;
                    gradients.BDec[d] -= WEnc[d * dSae + i] * dh;
                }
            }
        }
        if (gradients is not null && architecture == SaeArchitecture.Standard)
        {
            for (var i = 0; i < dSae; i++)
            {
                for (var d = 0; d < dIn; d++) gradients.WDec[i * dIn + d] += coefficient * columnSum[i] / rows * WDec[i * dIn + d] / norms[i];
            }
        }
        return total;
    }

    public TrainingReference Zeros() => new(architecture, dIn, dSae, k, coefficient, bandwidth);
}
