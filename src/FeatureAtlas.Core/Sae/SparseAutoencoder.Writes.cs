using System.Numerics.Tensors;

namespace FeatureAtlas.Core.Sae;

public sealed partial class SparseAutoencoder
{
    /// <summary>
    /// Encodes one input row <paramref name="x"/> [I] into <paramref name="features"/> [S] and returns the factor by
    /// which each feature's decoder term reaches the hook: the reconstruction is
    /// x̂ = offset + scale · Σ_i c_i·W_dec[i] with c_i = f_i (f_i/‖W_dec[i]‖ for TopK with
    /// rescale_acts_by_decoder_norm), scale = 1, 1/c (constant_norm_rescale) or s (layer_norm). So feature i writes
    /// exactly scale·c_i·W_dec[i] into the hook (<see cref="AddWrite"/>): what attribution reads out.
    /// </summary>
    public float EncodeRow(ReadOnlySpan<float> x, Span<float> features)
    {
        CheckLength(x, DIn, nameof(x));
        Span<float> stats = stackalloc float[2];
        Encode(x, 1, features, stats);
        return Config.NormalizeActivations switch
        {
            ActivationNormalization.ConstantNormRescale => 1f / stats[0],
            ActivationNormalization.LayerNorm => stats[1],
            _ => 1f,
        };
    }

    /// <summary>destination [I] += scale · c_i · W_dec[i]: feature <paramref name="index"/>'s write into the hook (see <see cref="EncodeRow"/>).</summary>
    public void AddWrite(int index, float activation, float scale, Span<float> destination) =>
        TensorPrimitives.MultiplyAdd(Parameters.WDec.AsSpan(index * DIn, DIn), WriteCoefficient(index, activation, scale), destination[..DIn], destination);

    /// <summary>scale · c_i: the multiple of W_dec[i] that feature <paramref name="index"/> writes into the hook (see <see cref="EncodeRow"/>).</summary>
    public float WriteCoefficient(int index, float activation, float scale)
    {
        var rescale = Config.Architecture == SaeArchitecture.TopK && Config.RescaleActsByDecoderNorm;
        return scale * (rescale ? activation / DecoderNorms[index] : activation);
    }
}
