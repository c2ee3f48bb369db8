using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Tests.Training;

/// <summary>
/// The float64 reference twin of <see cref="Core.Training.SaeTrainer"/>'s forward and backward: plain loops, no
/// GEMM, no sparsity tricks. Parameters as SAELens names them ([I, S] W_enc, [S, I] W_dec); θ as log θ.
/// With <see cref="Dead"/> set (TopK), the AuxK term: the k_aux largest raw pre-activations among dead features
/// reconstruct the residual e = x − x̂ without b_dec, weighted by coefficient · min(n / AuxK, 1); e is a constant
/// (<see cref="FrozenResidual"/> pins it for finite differences).
/// </summary>
internal sealed class TrainingReference(SaeArchitecture architecture, int dIn, int dSae, int k, double coefficient, double bandwidth)
{
    public double[] WEnc = new double[dIn * dSae];
    public double[] WDec = new double[dSae * dIn];
    public double[] BEnc = new double[dSae];
    public double[] BDec = new double[dIn];
    public double[] LogThreshold = new double[dSae];
    public bool[]? Dead;
    public int AuxK;
    public double AuxCoefficient;
    public double[]? FrozenResidual;   // [rows, I] e used instead of x − x̂ when set

    /// <summary>Pins the AuxK residual e = x − x̂ at the current parameters, as a training step's detach does.</summary>
    public void FreezeResidual(float[] x, int rows)
    {
        var residual = new double[rows * dIn];
        FrozenResidual = null;
        Loss(x, rows, residualOut: residual);
        FrozenResidual = residual;
    }

    /// <summary>
    /// Loss = mean_b Σ_d (x̂ − x)² + sparsity (+ AuxK), and (when <paramref name="gradients"/>) its gradients in the same
    /// layout; <paramref name="residualOut"/> [rows, I] receives x − x̂.
    /// </summary>
    public double Loss(float[] x, int rows, TrainingReference? gradients = null, double[]? residualOut = null)
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
            var residual = new double[dIn];
            for (var d = 0; d < dIn; d++)
            {
                var recon = BDec[d];
                for (var i = 0; i < dSae; i++) recon += f[i] * WDec[i * dIn + d];
                var e = recon - x[b * dIn + d];
                total += e * e / rows;
                dRecon[d] = 2 * e / rows;
                residual[d] = FrozenResidual?[b * dIn + d] ?? -e;
                if (residualOut is not null) residualOut[b * dIn + d] = -e;
            }

            // AuxK: z on the selected dead features, δê = 2·weight·(ê − e)/B.
            var auxSelected = Array.Empty<int>();
            var dAux = new double[dIn];
            var deadCount = Dead?.Count(v => v) ?? 0;
            if (architecture == SaeArchitecture.TopK && deadCount > 0)
            {
                var weight = AuxCoefficient * Math.Min((double)deadCount / AuxK, 1);
                auxSelected = Enumerable.Range(0, dSae).Where(i => Dead![i]).OrderByDescending(i => h[i]).ThenBy(i => i).Take(Math.Min(AuxK, deadCount)).ToArray();
                for (var d = 0; d < dIn; d++)
                {
                    var eHat = 0.0;
                    foreach (var i in auxSelected) eHat += h[i] * WDec[i * dIn + d];
                    var diff = eHat - residual[d];
                    total += weight * diff * diff / rows;
                    dAux[d] = 2 * weight * diff / rows;
                }
            }
            if (gradients is null) continue;

            foreach (var i in auxSelected)
            {
                double dz = 0;
                for (var d = 0; d < dIn; d++)
                {
                    dz += dAux[d] * WDec[i * dIn + d];
                    gradients.WDec[i * dIn + d] += h[i] * dAux[d];
                }
                gradients.BEnc[i] += dz;
                for (var d = 0; d < dIn; d++)
                {
                    gradients.WEnc[d * dSae + i] += xc[d] * dz;
                    gradients.BDec[d] -= WEnc[d * dSae + i] * dz;
                }
            }

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
