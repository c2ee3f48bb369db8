using System.Globalization;

namespace FeatureAtlas.Core.Evals;

/// <summary>
/// Why a CE loss recovered outside [0, 100]% means something other than "how much of the loss the SAE recovers".
/// It is (zero − with SAE) / (zero − clean): when zero-ablating the hook does not hurt the model (a random or tiny
/// model), the denominator is near zero or negative and the ratio says nothing; above 100% the SAE beats the clean
/// model, below 0% it is worse than removing the activation.
/// </summary>
public static class CeLossRecoveredCaveat
{
    /// <summary>The reason to distrust <paramref name="result"/>'s CE loss recovered, or null when it is in [0, 1].</summary>
    public static string? Of(SaeEvalResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var (clean, withSae, zero) = (result.CeLossClean, result.CeLossWithSae, result.CeLossZeroAblation);
        if (result.CeLossRecovered is >= 0 and <= 1) return null;
        if (!double.IsFinite(result.CeLossRecovered) || zero <= clean)
        {
            return Invariant($"zero-ablating the hook does not raise the loss (CE zero {zero:F3} ≤ clean {clean:F3}), so there is no loss to recover and the ratio means nothing");
        }
        return result.CeLossRecovered > 1
            ? Invariant($"the loss with the SAE ({withSae:F3}) is below the clean loss ({clean:F3}): the reconstruction does better than the model itself, which only an untrained model allows")
            : Invariant($"the loss with the SAE ({withSae:F3}) is above zero ablation's ({zero:F3}): the reconstruction is worse than removing the activation");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
