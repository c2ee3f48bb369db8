using System.Numerics.Tensors;
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

    private FeatureActivations ActivationsCore(ReadOnlySpan<int> tokens, string sae, int feature, bool ignoreBos)
    {
        CheckTokens(tokens);
        var s = IndexOf(sae);
        var dSae = Session.Saes[s].DSae;
        if ((uint)feature >= (uint)dSae) throw new ArgumentOutOfRangeException(nameof(feature), $"Feature {feature} is outside SAE '{sae}' (d_sae = {dSae}).");
        var visitor = new SingleFeature(this, feature, tokens.Length);
        Forward(tokens, [s], visitor);

        var values = visitor.Values;
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

    private sealed class SingleFeature(FeatureSearch search, int feature, int rows) : SaeVisitor
    {
        public float[] Values { get; } = new float[rows];

        public override void Visit(int s, ReadOnlySpan<float> x, int rows)
        {
            var sae = search.Session.Saes[s];
            sae.EncodeFeature(x, rows, feature, Values);
            if (!TensorPrimitives.IsFiniteAll<float>(Values)) throw NonFiniteValuesException.For(Values, 1, $"SAE '{sae.Name}' feature {feature}");
        }
    }
}
