namespace FeatureAtlas.Core.Training;

/// <summary>
/// Hyper-parameters of tuned-lens training (<see cref="TunedLensTrainer"/>): AdamW without weight decay by default,
/// linear warm-up then linear decay to zero (the tuned-lens library's schedule). <see cref="Validate"/> names the
/// first bad value.
/// </summary>
public sealed record TunedLensTrainingOptions
{
    /// <summary>Optimiser steps in the run.</summary>
    public required int Steps { get; init; }

    /// <summary>Peak learning rate, reached at the end of warm-up.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Steps of linear warm-up: step s (0-based) uses lr·(s + 1)/W.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Decay the learning rate linearly to zero after warm-up (else keep it constant).</summary>
    public bool Decay { get; init; } = true;

    public float WeightDecay { get; init; }

    public float Beta1 { get; init; } = 0.9f;

    public float Beta2 { get; init; } = 0.999f;

    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>Rows (positions) per unembedding block: bounds memory at about 2 × rows × V floats.</summary>
    public int RowBlock { get; init; } = 128;

    /// <summary>The learning rate of step <paramref name="step"/> (0-based).</summary>
    public double LearningRateAt(int step)
    {
        double lr = LearningRate;
        if (step < WarmupSteps) return lr * (step + 1) / WarmupSteps;
        if (!Decay) return lr;
        return lr * Math.Max(0.0, 1.0 - (double)(step - WarmupSteps) / Math.Max(1, Steps - WarmupSteps));
    }

    public void Validate()
    {
        AdamW.ValidateSchedule(Steps, LearningRate, WarmupSteps, WeightDecay, Beta1, Beta2);
        if (RowBlock < 1) throw new ArgumentException($"RowBlock must be positive, found {RowBlock}.");
    }
}
