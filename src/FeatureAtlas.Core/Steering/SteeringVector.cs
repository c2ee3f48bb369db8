using FeatureAtlas.Core.Sae;

namespace FeatureAtlas.Core.Steering;

/// <summary>
/// One direction to steer along at one hook point.
/// </summary>
/// <param name="Hook">A TransformerLens hook name, e.g. <c>blocks.6.hook_resid_pre</c> (an SAE's <see cref="SparseAutoencoder.HookName"/>).</param>
/// <param name="Direction">v [W], unit norm, W the hook's width (d_model, or d_mlp for mlp hooks); see <see cref="FeatureDirections.UnitDecoderRow"/>.</param>
/// <param name="Coefficient">c = strength × strength multiplier, in folded activation units (a feature's activation
/// with its decoder row scaled to unit norm, the units of the stored dashboards).</param>
/// <param name="Sae">The SAE the feature belongs to; <see cref="SteeringMethod.Clamp"/> needs it to read the feature's activation.</param>
/// <param name="FeatureIndex">The feature's index in <paramref name="Sae"/>, or −1 for a custom vector.</param>
public sealed record SteeringVector(string Hook, float[] Direction, float Coefficient, SparseAutoencoder? Sae = null, int FeatureIndex = -1)
{
    /// <summary>Feature <paramref name="index"/> of <paramref name="sae"/> at its hook: v = its unit decoder row, c = <paramref name="coefficient"/>.</summary>
    public static SteeringVector ForFeature(SparseAutoencoder sae, int index, float coefficient)
    {
        ArgumentNullException.ThrowIfNull(sae);
        return new SteeringVector(sae.HookName, FeatureDirections.UnitDecoderRow(sae, index), coefficient, sae, index);
    }
}
