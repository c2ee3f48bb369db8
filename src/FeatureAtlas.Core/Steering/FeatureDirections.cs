using System.Numerics.Tensors;
using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Steering;

/// <summary>Steering directions taken from SAE features.</summary>
public static class FeatureDirections
{
    /// <summary>
    /// v = W_dec[index] / ‖W_dec[index]‖ [d_in]: the feature's decoder row at unit norm, so a coefficient is in the
    /// units of activations with decoder norms folded (SAEDashboard's fold_W_dec_norm, as the dashboards store
    /// them). Unknown indices and all-zero (dead) rows are errors naming the SAE.
    /// </summary>
    public static float[] UnitDecoderRow(SparseAutoencoder sae, int index)
    {
        ArgumentNullException.ThrowIfNull(sae);
        if ((uint)index >= (uint)sae.DSae)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Feature {index} does not exist in SAE '{sae.Name}', which has {sae.DSae} features (0..{sae.DSae - 1}).");
        }
        var row = sae.Parameters.WDec.AsSpan(index * sae.DIn, sae.DIn);
        var norm = TensorPrimitives.Norm(row);
        if (!(norm > 0f) || !float.IsFinite(norm))
        {
            throw new ArgumentException($"Feature {index} of SAE '{sae.Name}' has a decoder row of norm {norm}; it has no direction to steer along.", nameof(index));
        }
        var v = new float[sae.DIn];
        TensorPrimitives.Divide(row, norm, v);
        return v;
    }

    /// <summary>
    /// The feature's activation in folded units, a = f_i(h)·‖W_dec[i]‖, from the raw activation f_i that
    /// <see cref="SparseAutoencoder.Encode(ReadOnlySpan{float}, int)"/> returns: the coefficient of v in the SAE's
    /// reconstruction. For a folded SAE ‖W_dec[i]‖ = 1 and a = f_i; a TopK SAE with rescale_acts_by_decoder_norm
    /// decodes f_i/‖W_dec[i]‖·W_dec[i], so there a = f_i.
    /// </summary>
    public static float FoldedActivation(SparseAutoencoder sae, int index, float activation)
    {
        ArgumentNullException.ThrowIfNull(sae);
        var rescaled = sae.Config.Architecture == SaeArchitecture.TopK && sae.Config.RescaleActsByDecoderNorm;
        return rescaled ? activation : activation * sae.DecoderNorms[index];
    }
}
