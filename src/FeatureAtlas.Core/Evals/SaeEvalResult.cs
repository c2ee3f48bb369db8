namespace FeatureAtlas.Core.Evals;

/// <summary>
/// An SAE's evaluation over <see cref="Tokens"/> tokens (special tokens excluded), with SAELens evals.py's
/// meanings: L0 = mean active features per token; MSE = mean squared error per element (Σ_d/d_in, mean over
/// tokens); explained variance = 1 − Σ SSE / Σ ‖x − x̄‖²; cosine similarity of x̂ and x (mean over tokens);
/// next-token CE loss clean, with the SAE's reconstruction spliced in at unmasked positions, and with the hook
/// zero-ablated; CE loss recovered = (CE_abl − CE_sae)/(CE_abl − CE_clean). Dead features never fired over the
/// tokens, dense ones fired on more than 10% of them. <see cref="LogDensityHistogram"/> counts features by
/// log₁₀(density + 1e−10) in equal bins over [<see cref="HistogramMin"/>, <see cref="HistogramMax"/>].
/// </summary>
public sealed record SaeEvalResult
{
    public required long Tokens { get; init; }
    public required double L0 { get; init; }
    public required double Mse { get; init; }
    public required double ExplainedVariance { get; init; }
    public required double CosineSimilarity { get; init; }
    public required double CeLossClean { get; init; }
    public required double CeLossWithSae { get; init; }
    public required double CeLossZeroAblation { get; init; }
    public required double CeLossRecovered { get; init; }
    public required int DeadFeatures { get; init; }
    public required int DenseFeatures { get; init; }
    public required int DSae { get; init; }
    public required int[] LogDensityHistogram { get; init; }
    public double HistogramMin { get; init; } = -10;
    public double HistogramMax { get; init; }

    // SAEBench's core metrics (sae_bench/evals/core, names in SaeBenchFormat); null in evaluations made before them
    // or imported from files that lack them.

    /// <summary>Mean over unmasked positions of KL(p_clean ‖ p_with_sae).</summary>
    public double? KlDivWithSae { get; init; }

    /// <summary>Mean over unmasked positions of KL(p_clean ‖ p_zero_ablated).</summary>
    public double? KlDivWithAblation { get; init; }

    /// <summary>(KL_ablation − KL_sae) ÷ KL_ablation.</summary>
    public double? KlDivScore { get; init; }

    /// <summary>Mean over tokens of Σᵢ fᵢ.</summary>
    public double? L1 { get; init; }

    public double? L2NormIn { get; init; }

    public double? L2NormOut { get; init; }

    /// <summary>Mean over tokens of ‖x̂‖ ÷ ‖x‖ (‖x‖ &lt; 1e−4 counts as 1, as SAELens).</summary>
    public double? L2Ratio { get; init; }

    /// <summary>mean ‖x̂‖² ÷ mean x·x̂.</summary>
    public double? RelativeReconstructionBias { get; init; }

    /// <summary>Share of features that fired at least once.</summary>
    public double? FracAlive { get; init; }

    /// <summary>Share of features firing on more than 1% of tokens.</summary>
    public double? FreqOver1Percent { get; init; }

    /// <summary>Share of features firing on more than 10% of tokens.</summary>
    public double? FreqOver10Percent { get; init; }

    /// <summary>
    /// SAEBench's meta-structure metric: the share of the decoder rows' variance a small BatchTopK meta-SAE trained on
    /// them explains (docs/evals.md); null until measured (<c>atlas eval --meta-sae</c>) or imported.
    /// </summary>
    public double? DecoderFractionVarianceExplained { get; init; }
}
