namespace FeatureAtlas.Core.Training;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter), as torch.optim.AdamW: decoupled weight decay p ← p − lr·λ·p, then
/// m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², p ← p − (lr / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε).
/// </summary>
public static class AdamW
{
    /// <summary>
    /// One update of <paramref name="parameter"/> in place with the gradient times <paramref name="gradientScale"/> (a clipping
    /// factor, so the caller's gradient stays as computed); <paramref name="step"/> is t, counted from 1.
    /// </summary>
    public static void Update(Span<float> parameter, ReadOnlySpan<float> gradient, Span<float> m, Span<float> v, int step, double learningRate,
        float beta1, float beta2, float epsilon, float weightDecay, float gradientScale = 1f)
    {
        if (gradient.Length != parameter.Length || m.Length != parameter.Length || v.Length != parameter.Length)
        {
            throw new ArgumentException($"The gradient and both moments need {parameter.Length} elements, like the parameter.");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(step);
        var decay = (float)(1 - learningRate * weightDecay);
        var stepSize = (float)(learningRate / (1 - Math.Pow(beta1, step)));
        var correction2 = (float)Math.Sqrt(1 - Math.Pow(beta2, step));
        float a1 = 1 - beta1, a2 = 1 - beta2;
        for (var i = 0; i < parameter.Length; i++)
        {
            var g = gradient[i] * gradientScale;
            var mi = m[i] = beta1 * m[i] + a1 * g;
            var vi = v[i] = beta2 * v[i] + a2 * g * g;
            parameter[i] = parameter[i] * decay - stepSize * mi / (MathF.Sqrt(vi) / correction2 + epsilon);
        }
    }

    /// <summary>Checks an AdamW schedule's settings, naming the first that is out of range.</summary>
    public static void ValidateSchedule(int steps, float learningRate, int warmupSteps, float weightDecay, float beta1, float beta2)
    {
        if (steps < 1) throw new ArgumentException($"Steps must be at least 1, found {steps}.");
        if (!(learningRate > 0) || !float.IsFinite(learningRate)) throw new ArgumentException($"The learning rate must be positive, found {learningRate}.");
        if (warmupSteps < 0) throw new ArgumentException($"Warm-up steps must not be negative, found {warmupSteps}.");
        if (weightDecay < 0) throw new ArgumentException($"Weight decay must not be negative, found {weightDecay}.");
        if (!(beta1 is >= 0 and < 1) || !(beta2 is >= 0 and < 1)) throw new ArgumentException($"Adam betas must lie in [0, 1), found {beta1} and {beta2}.");
    }
}
