namespace FeatureAtlas.Core.Training;

/// <summary>
/// Hyper-parameters of a GPT-2 language-model training run, named and defaulted as nanoGPT's train.py: AdamW
/// (β 0.9/0.95, weight decay 0.1 on matrices only), linear warm-up then cosine decay to lr/10, global gradient-norm
/// clipping at 1. <see cref="Validate"/> names the first bad value.
/// </summary>
public sealed record LanguageModelTrainingOptions
{
    /// <summary>Optimiser steps in the run.</summary>
    public required int Steps { get; init; }

    /// <summary>Peak learning rate, reached at the end of warm-up.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Learning rate at the end of the cosine; null is <see cref="LearningRate"/> / 10 (nanoGPT's min_lr).</summary>
    public float? MinLearningRate { get; init; }

    /// <summary>Steps of linear warm-up: step s (0-based) uses lr·(s + 1)/W.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>AdamW's decoupled weight decay, applied to matrices (wte, wpe, every Conv1D weight), not to biases or layer norms.</summary>
    public float WeightDecay { get; init; } = 0.1f;

    public float Beta1 { get; init; } = 0.9f;

    public float Beta2 { get; init; } = 0.95f;

    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>The largest global L2 norm of all gradients together; larger gradients are scaled down to it. 0 turns clipping off.</summary>
    public float GradientClip { get; init; } = 1f;

    /// <summary>
    /// How many vocabulary tokens the last wte row stands for (<see cref="SharedRowVocabulary"/>: its logit counts that
    /// many times in the softmax, and its gradient's share of the clipping norm is that of as many equal rows); 1 is an
    /// ordinary vocabulary.
    /// </summary>
    public int SharedRowTokens { get; init; } = 1;

    /// <summary>
    /// α at the first step for a <see cref="NgramTeacher"/>: a position's target is (1 − α)·onehot(next) + α·P_teacher(· | history).
    /// α holds for the first <see cref="DistillHold"/> of the steps, then falls linearly to 0 at the last step, so the run
    /// ends on the plain next-token loss. 0 trains without a teacher.
    /// </summary>
    public float DistillWeight { get; init; }

    /// <summary>The share of the steps (0–1) that α holds at <see cref="DistillWeight"/> before it falls; 1 holds it to the end.</summary>
    public double DistillHold { get; init; }

    /// <summary>α of step <paramref name="step"/> (0-based): <see cref="DistillWeight"/> while step/Steps &lt; hold, then falling linearly to 0 at Steps.</summary>
    public float DistillWeightAt(int step)
    {
        var progress = (double)step / Steps;
        if (DistillWeight == 0) return 0f;
        if (progress < DistillHold) return DistillWeight;
        return (float)(DistillWeight * Math.Max(0.0, (1.0 - progress) / (1.0 - DistillHold)));
    }

    /// <summary>The learning rate of step <paramref name="step"/> (0-based): warm-up, then cosine from lr to the minimum.</summary>
    public double LearningRateAt(int step)
    {
        double lr = LearningRate, low = MinLearningRate ?? LearningRate / 10.0;
        if (step < WarmupSteps) return lr * (step + 1) / WarmupSteps;
        var progress = Math.Min(1.0, (double)(step - WarmupSteps) / Math.Max(1, Steps - WarmupSteps));
        return low + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (lr - low);
    }

    public void Validate()
    {
        AdamW.ValidateSchedule(Steps, LearningRate, WarmupSteps, WeightDecay, Beta1, Beta2);
        if (SharedRowTokens < 1) throw new ArgumentException($"The shared row must stand for at least 1 token, found {SharedRowTokens}.");
        if (!(DistillWeight is >= 0 and <= 1)) throw new ArgumentException($"The distillation weight must lie in [0, 1], found {DistillWeight}.");
        if (!(DistillHold is >= 0 and <= 1)) throw new ArgumentException($"The distillation hold must lie in [0, 1], found {DistillHold}.");
        if (GradientClip < 0) throw new ArgumentException($"The gradient clip must not be negative, found {GradientClip}.");
    }
}
