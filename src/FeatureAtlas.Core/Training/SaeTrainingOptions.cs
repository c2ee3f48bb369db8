using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Training;

/// <summary>
/// Hyper-parameters of one SAE training run, named after SAELens's LanguageModelSAERunnerConfig where it has them.
/// <see cref="Validate"/> names the first bad value before any work starts.
/// </summary>
public sealed record SaeTrainingOptions
{
    public required SaeArchitecture Architecture { get; init; }

    /// <summary>d_sae: features.</summary>
    public required int DSae { get; init; }

    /// <summary>Tokens per optimiser step (SAELens train_batch_size_tokens).</summary>
    public int BatchTokens { get; init; } = 4096;

    /// <summary>Optimiser steps in the run (total training tokens / <see cref="BatchTokens"/>).</summary>
    public required int Steps { get; init; }

    /// <summary>TopK: features kept per token.</summary>
    public int K { get; init; } = 100;

    /// <summary>
    /// TopK: k_aux, the dead features per token whose pre-activations reconstruct the residual in the AuxK loss
    /// (Gao et al. 2024, "Scaling and evaluating sparse autoencoders"). Null: d_in / 2, SAELens's fixed choice.
    /// </summary>
    public int? AuxK { get; init; }

    /// <summary>
    /// TopK: coefficient of the AuxK loss; 0 turns it off. SAELens's aux_loss_coefficient and its default 1: the loss
    /// is SAELens's unnormalised Σ_d over d_in, not the paper's variance-normalised MSE that its α = 1/32 goes with.
    /// </summary>
    public float AuxCoefficient { get; init; } = 1f;

    /// <summary>Standard: λ of the decoder-norm-weighted L1 penalty λ·Σᵢ fᵢ‖W_dec,i‖ (mean over tokens).</summary>
    public float L1Coefficient { get; init; } = 5f;

    /// <summary>Standard: steps over which λ ramps linearly from λ/W to λ (SAELens l1_warm_up_steps).</summary>
    public int L1WarmupSteps { get; init; }

    /// <summary>JumpReLU: coefficient of the L0 penalty Σᵢ 1[hᵢ &gt; θᵢ] (mean over tokens), warmed up like λ.</summary>
    public float L0Coefficient { get; init; } = 1f;

    /// <summary>JumpReLU: width ε of the rectangle kernel of the straight-through threshold gradients.</summary>
    public float Bandwidth { get; init; } = 1e-3f;

    /// <summary>JumpReLU: θ at the start.</summary>
    public float InitThreshold { get; init; } = 1e-3f;

    public float LearningRate { get; init; } = 3e-4f;

    /// <summary>Steps of linear LR warm-up from lr/W to lr.</summary>
    public int LrWarmupSteps { get; init; }

    /// <summary>The final steps over which the LR decays linearly to <see cref="LrEnd"/>.</summary>
    public int LrDecaySteps { get; init; }

    public float LrEnd { get; init; }

    public float AdamBeta1 { get; init; } = 0.9f;

    public float AdamBeta2 { get; init; } = 0.999f;

    public float AdamEpsilon { get; init; } = 1e-8f;

    public BDecInit BDecInit { get; init; } = BDecInit.GeometricMedian;

    /// <summary>
    /// Whether decoder rows are held at unit norm (gradient parallel to each row removed, rows renormalised
    /// after each step). Null: on for TopK and JumpReLU, whose penalties do not see the decoder norm; off for
    /// standard, whose L1 term is weighted by ‖W_dec,i‖ instead (SAELens's "April update" recipe).
    /// </summary>
    public bool? NormalizeDecoder { get; init; }

    /// <summary>Initial ‖W_dec,i‖ when rows are not held at unit norm (SAELens decoder_init_norm).</summary>
    public float DecoderInitNorm { get; init; } = 0.1f;

    /// <summary>
    /// A feature is dead after more than this many steps without firing (SAELens dead_feature_window, counted in steps
    /// of <see cref="BatchTokens"/> tokens): reported, and for TopK the features the AuxK loss trains.
    /// </summary>
    public int DeadFeatureWindow { get; init; } = 1000;

    public ulong Seed { get; init; }

    /// <summary>
    /// Train a transcoder: the encoder reads x as it is (SAELens's Transcoder: no b_dec subtracted) and the decoder
    /// predicts a separate target y (e.g. hook_mlp_out from ln2.hook_normalized): loss = mean_b Σ (ŷ − y)² + sparsity.
    /// </summary>
    public bool Transcoder { get; init; }

    public bool HoldsDecoderAtUnitNorm => NormalizeDecoder ?? Architecture != SaeArchitecture.Standard;

    /// <summary>k_aux for inputs of width <paramref name="dIn"/>: <see cref="AuxK"/>, else d_in / 2 (at least 1).</summary>
    public int AuxKFor(int dIn) => AuxK ?? Math.Max(1, dIn / 2);

    public void Validate()
    {
        static void Fail(string message) => throw new ArgumentException(message);
        if (Architecture == SaeArchitecture.Gated) Fail("Training gated SAEs is not supported; choose standard, topk or jumprelu.");
        if (DSae <= 0) Fail($"d_sae must be positive, found {DSae}.");
        if (BatchTokens <= 0) Fail($"The batch must hold at least one token, found {BatchTokens}.");
        if (Steps <= 0) Fail($"Training needs at least one step, found {Steps} (tokens / batch).");
        if (Architecture == SaeArchitecture.TopK && (K <= 0 || K > DSae)) Fail($"k must be in [1, d_sae = {DSae}], found {K}.");
        if (Architecture == SaeArchitecture.TopK && AuxK is { } auxK && (auxK <= 0 || auxK > DSae)) Fail($"k_aux must be in [1, d_sae = {DSae}], found {auxK}.");
        if (!(AuxCoefficient >= 0 && float.IsFinite(AuxCoefficient))) Fail($"The AuxK coefficient must be ≥ 0 and finite, found {AuxCoefficient}.");
        if (!(LearningRate > 0 && float.IsFinite(LearningRate))) Fail($"The learning rate must be positive and finite, found {LearningRate}.");
        if (!(LrEnd >= 0 && LrEnd <= LearningRate)) Fail($"The final learning rate must be in [0, lr = {LearningRate}], found {LrEnd}.");
        if (LrWarmupSteps < 0 || LrDecaySteps < 0 || L1WarmupSteps < 0) Fail("Warm-up and decay step counts must not be negative.");
        if (LrWarmupSteps + LrDecaySteps > Steps) Fail($"LR warm-up ({LrWarmupSteps}) plus decay ({LrDecaySteps}) steps exceed the run's {Steps} steps.");
        if (!(L1Coefficient >= 0 && float.IsFinite(L1Coefficient))) Fail($"The L1 coefficient must be ≥ 0 and finite, found {L1Coefficient}.");
        if (!(L0Coefficient >= 0 && float.IsFinite(L0Coefficient))) Fail($"The L0 coefficient must be ≥ 0 and finite, found {L0Coefficient}.");
        if (!(Bandwidth > 0 && float.IsFinite(Bandwidth))) Fail($"The JumpReLU bandwidth must be positive, found {Bandwidth}.");
        if (!(InitThreshold > 0 && float.IsFinite(InitThreshold))) Fail($"The initial JumpReLU threshold must be positive, found {InitThreshold}.");
        if (!(AdamBeta1 >= 0 && AdamBeta1 < 1) || !(AdamBeta2 >= 0 && AdamBeta2 < 1)) Fail($"Adam betas must be in [0, 1), found ({AdamBeta1}, {AdamBeta2}).");
        if (!(AdamEpsilon > 0)) Fail($"Adam epsilon must be positive, found {AdamEpsilon}.");
        if (!(DecoderInitNorm > 0 && float.IsFinite(DecoderInitNorm))) Fail($"The decoder init norm must be positive, found {DecoderInitNorm}.");
        if (DeadFeatureWindow <= 0) Fail($"The dead-feature window must be positive, found {DeadFeatureWindow}.");
    }

    /// <summary>The learning rate of 0-based step <paramref name="step"/>: linear warm-up, constant, linear decay.</summary>
    public float LearningRateAt(int step)
    {
        if (step < LrWarmupSteps) return LearningRate * (step + 1) / LrWarmupSteps;
        var decayStart = Steps - LrDecaySteps;
        if (LrDecaySteps > 0 && step >= decayStart)
        {
            var t = (float)(step - decayStart + 1) / LrDecaySteps;
            return LearningRate + (LrEnd - LearningRate) * Math.Min(1f, t);
        }
        return LearningRate;
    }

    /// <summary>The sparsity coefficient (λ or the L0 coefficient) of 0-based step <paramref name="step"/>, after warm-up.</summary>
    public float SparsityCoefficientAt(int step)
    {
        var final = Architecture == SaeArchitecture.JumpRelu ? L0Coefficient : Architecture == SaeArchitecture.Standard ? L1Coefficient : 0f;
        return L1WarmupSteps > 0 && step < L1WarmupSteps ? final * (step + 1) / L1WarmupSteps : final;
    }
}
