using System.Numerics.Tensors;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Tensors;

namespace FeatureAtlas.Core.Search;

public sealed partial class FeatureSearch
{
    /// <summary>
    /// Feature <paramref name="feature"/> of SAE <paramref name="sae"/> at every token of <paramref name="tokens"/>
    /// ("test this feature"): the forward pass stops at the SAE's hook and only this feature's encoder column is
    /// computed (TopK SAEs encode fully), equal to the full encode's column. With <paramref name="ignoreBos"/> and a
    /// leading BOS, the maximum and minimum leave position 0 out (Neuronpedia activation/new); the values keep it.
    /// </summary>
    public FeatureActivations Activations(ReadOnlySpan<int> tokens, string sae, int feature, bool ignoreBos = false)
    {
        Enter();
        try
        {
            return ActivationsCore(tokens, sae, feature, ignoreBos);
        }
        finally
        {
            Exit();
        }
    }

    /// <inheritdoc cref="Activations(ReadOnlySpan{int}, string, int, bool)"/>
    public Task<FeatureActivations> ActivationsAsync(int[] tokens, string sae, int feature, bool ignoreBos = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return Exclusive(() => ActivationsCore(tokens, sae, feature, ignoreBos), cancellationToken);
    }

    /// <summary>
    /// <see cref="Activations(ReadOnlySpan{int}, string, int, bool)"/> for an SAE outside the session that reads one of
    /// the model's hooks (a transcoder's encoder: its features are tested on text like an SAE's).
    /// </summary>
    public FeatureActivations Activations(ReadOnlySpan<int> tokens, SparseAutoencoder sae, int feature, bool ignoreBos = false)
    {
        ArgumentNullException.ThrowIfNull(sae);
        Enter();
        try
        {
            CheckTokens(tokens);
            if ((uint)feature >= (uint)sae.DSae) throw new ArgumentOutOfRangeException(nameof(feature), $"Feature {feature} is outside SAE '{sae.Name}' (d_sae = {sae.DSae}).");
            var rows = tokens.Length;
            var values = new float[rows];
            var hooks = new Dictionary<string, ActivationHook>(StringComparer.Ordinal)
            {
                [ReadPoint(sae.HookName)] = (_, _, x) =>
                {
                    NonFiniteValuesException.ThrowIfAny(x, x.Length / rows, sae.HookName);
                    Encode(sae, x, rows, feature, values);
                },
            };
            Session.Model.Run(tokens, 1, new RunOptions { Hooks = hooks, ComputeLogits = false }, default);
            return Summarise(values, tokens, ignoreBos);
        }
        finally
        {
            Exit();
        }
    }

    private FeatureActivations ActivationsCore(ReadOnlySpan<int> tokens, string sae, int feature, bool ignoreBos)
    {
        CheckTokens(tokens);
        var s = IndexOf(sae);
        var dSae = Session.Saes[s].DSae;
        if ((uint)feature >= (uint)dSae) throw new ArgumentOutOfRangeException(nameof(feature), $"Feature {feature} is outside SAE '{sae}' (d_sae = {dSae}).");
        var visitor = new SingleFeature(this, feature, tokens.Length);
        Forward(tokens, [s], visitor);
        return Summarise(visitor.Values, tokens, ignoreBos);
    }

    /// <summary>The values with their maximum (and where) and minimum, leaving a leading BOS out of both when asked.</summary>
    private static FeatureActivations Summarise(float[] values, ReadOnlySpan<int> tokens, bool ignoreBos)
    {
        var first = ignoreBos && tokens[0] == BosToken && tokens.Length > 1 ? 1 : 0;
        float max = values[first], min = values[first];
        var at = first;
        for (var r = first + 1; r < values.Length; r++)
        {
            if (values[r] > max)
            {
                max = values[r];
                at = r;
            }
            min = MathF.Min(min, values[r]);
        }
        return new FeatureActivations(values, max, at, min);
    }

    private static void Encode(SparseAutoencoder sae, ReadOnlySpan<float> x, int rows, int feature, float[] values)
    {
        sae.EncodeFeature(x, rows, feature, values);
        if (!TensorPrimitives.IsFiniteAll<float>(values)) throw NonFiniteValuesException.For(values, 1, $"SAE '{sae.Name}' feature {feature}");
    }

    private sealed class SingleFeature(FeatureSearch search, int feature, int rows) : SaeVisitor
    {
        public float[] Values { get; } = new float[rows];

        public override void Visit(int s, ReadOnlySpan<float> x, int rows)
        {
            Encode(search.Session.Saes[s], x, rows, feature, Values);
        }
    }
}
