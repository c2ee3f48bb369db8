using System.Numerics.Tensors;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Steering;

/// <summary>
/// Applies one <see cref="SteeringPlan"/> per sequence of a batch through the model's hook points. Built once per
/// generation (the hook delegates are the only allocations); each forward call sets <see cref="Past"/>, the
/// absolute position of its first row, so hooks that see only new positions know where they are.
/// </summary>
internal sealed class SteeringHooks
{
    private readonly IReadOnlyList<SteeringPlan> _plans;
    private readonly int _promptLength;
    private readonly float[] _activation = new float[1];

    private SteeringHooks(IReadOnlyList<SteeringPlan> plans, int promptLength, Dictionary<string, ActivationHook> hooks)
    {
        _plans = plans;
        _promptLength = promptLength;
        Options = new RunOptions { Hooks = hooks, LogitsLastPositionOnly = true };
    }

    /// <summary>Hooks for every hook point any plan steers; logits for the last position of each sequence.</summary>
    public RunOptions Options { get; }

    /// <summary>The absolute position of the first row the next forward call runs.</summary>
    public int Past { get; set; }

    public static SteeringHooks Create(Gpt2Config config, IReadOnlyList<SteeringPlan> plans, int promptLength)
    {
        var hooks = new Dictionary<string, ActivationHook>(StringComparer.Ordinal);
        SteeringHooks? self = null;
        for (var b = 0; b < plans.Count; b++)
        {
            Validate(config, plans[b], b);
            foreach (var vector in plans[b].Vectors)
            {
                if (hooks.ContainsKey(vector.Hook)) continue;
                var hook = vector.Hook;
                hooks[hook] = (_, shape, values) => self!.Apply(hook, shape, values);
            }
        }
        self = new SteeringHooks(plans, promptLength, hooks);
        return self;
    }

    /// <summary>Checks a plan against the model: hooks exist, widths match, numbers are finite, clamps name their SAE feature.</summary>
    public static void Validate(Gpt2Config config, SteeringPlan plan, int sequence = 0)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(plan.Vectors, nameof(plan.Vectors));
        if (!Enum.IsDefined(plan.Method)) throw new ArgumentException($"Steering method {(int)plan.Method} is not one of {string.Join(", ", Enum.GetNames<SteeringMethod>())}.");
        if (!Enum.IsDefined(plan.Positions)) throw new ArgumentException($"Steering positions {(int)plan.Positions} is not one of {string.Join(", ", Enum.GetNames<SteeringPositions>())}.");
        for (var i = 0; i < plan.Vectors.Count; i++)
        {
            var vector = plan.Vectors[i] ?? throw new ArgumentException($"Steering vector {i} of plan {sequence} is null.");
            var what = vector.Sae is null ? $"Steering vector {i} at {vector.Hook}" : $"Feature {vector.FeatureIndex} of SAE '{vector.Sae.Name}'";
            var width = SaeInitializer.InputWidth(config, vector.Hook);
            var widthName = width == config.DModel ? "d_model" : "d_mlp";
            if (vector.Direction is null || vector.Direction.Length != width)
            {
                throw new ArgumentException($"{what}: the vector has {vector.Direction?.Length ?? 0} values; {vector.Hook} expects {widthName} = {width}.");
            }
            if (!TensorPrimitives.Norm(vector.Direction).IsFinitePositive())
            {
                throw new ArgumentException($"{what}: the vector must be finite and non-zero.");
            }
            if (!float.IsFinite(vector.Coefficient)) throw new ArgumentException($"{what}: strength must be a finite number, not {vector.Coefficient}.");
            if (vector.Sae is { } sae)
            {
                if (sae.HookName != vector.Hook) throw new ArgumentException($"{what}: the SAE reads {sae.HookName}, not {vector.Hook}.");
                if ((uint)vector.FeatureIndex >= (uint)sae.DSae)
                {
                    throw new ArgumentException($"Feature {vector.FeatureIndex} does not exist in SAE '{sae.Name}', which has {sae.DSae} features (0..{sae.DSae - 1}).");
                }
            }
            else if (plan.Method == SteeringMethod.Clamp)
            {
                throw new ArgumentException($"{what}: clamping sets an SAE feature's activation, so it needs an SAE feature, not a custom vector.");
            }
        }
    }

    private void Apply(string hook, ReadOnlySpan<int> shape, Span<float> values)
    {
        int batch = shape[0], n = shape[1];
        var width = values.Length / (batch * n);
        for (var b = 0; b < batch && b < _plans.Count; b++)
        {
            var plan = _plans[b];
            // Index loops: foreach over an IReadOnlyList boxes its enumerator, an allocation per step.
            for (var j = 0; j < plan.Vectors.Count; j++)
            {
                var vector = plan.Vectors[j];
                if (!string.Equals(vector.Hook, hook, StringComparison.Ordinal)) continue;
                for (var i = 0; i < n; i++)
                {
                    if (!plan.Covers(Past + i, _promptLength)) continue;
                    Steer(plan.Method, vector, values.Slice((b * n + i) * width, width));
                }
            }
        }
    }

    private void Steer(SteeringMethod method, SteeringVector vector, Span<float> h)
    {
        var v = vector.Direction;
        var c = vector.Coefficient;
        switch (method)
        {
            case SteeringMethod.SimpleAdditive:
                TensorPrimitives.MultiplyAdd(v, c, h, h);
                break;
            case SteeringMethod.OrthogonalDecomp:
            {
                // h − (h·v)v + c(h·v)v = h + (c − 1)(h·v)v
                var projection = TensorPrimitives.Dot(h, v);
                TensorPrimitives.MultiplyAdd(v, (c - 1f) * projection, h, h);
                break;
            }
            case SteeringMethod.ProjectionCap:
            {
                var excess = TensorPrimitives.Dot(h, v) - c;
                if (excess > 0f) TensorPrimitives.MultiplyAdd(v, -excess, h, h);
                break;
            }
            case SteeringMethod.Clamp:
            {
                var sae = vector.Sae!;
                sae.EncodeFeature(h, 1, vector.FeatureIndex, _activation);
                var a = FeatureDirections.FoldedActivation(sae, vector.FeatureIndex, _activation[0]);
                TensorPrimitives.MultiplyAdd(v, (c - a) * OutputScale(sae, h), h, h);
                break;
            }
        }
    }

    /// <summary>How the SAE scales a reconstruction back into h's units (SAELens run_time_activation_norm_fn_out).</summary>
    private static float OutputScale(SparseAutoencoder sae, ReadOnlySpan<float> h) => sae.Config.NormalizeActivations switch
    {
        ActivationNormalization.ConstantNormRescale => TensorPrimitives.Norm(h) / MathF.Sqrt(h.Length),
        ActivationNormalization.LayerNorm => StandardDeviation(h),
        _ => 1f,
    };

    private static float StandardDeviation(ReadOnlySpan<float> h)
    {
        var mean = TensorPrimitives.Sum(h) / h.Length;
        var sum = 0f;
        foreach (var x in h) sum += (x - mean) * (x - mean);
        return MathF.Sqrt(sum / (h.Length - 1));
    }
}

file static class FloatExtensions
{
    public static bool IsFinitePositive(this float x) => float.IsFinite(x) && x > 0f;
}
