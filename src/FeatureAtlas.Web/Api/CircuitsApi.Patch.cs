using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

public static partial class CircuitsApi
{
    public static async Task<Ok<PatchResponse>> Patch(PatchRequest request, ModelRuntime models, AtlasWebOptions limits, HttpContext context, CancellationToken cancellationToken)
    {
        var method = request.Method ?? "exact";
        if (method is not ("exact" or "attribution" or "both")) throw new ArgumentException($"method must be exact, attribution or both; got '{method}'.");
        var input = await CircuitsInput.ReadAsync(models, limits, request.ModelId, new(request.Clean, request.CleanIds, "clean", "clean_ids"), CircuitLimits.MaxPatchTokens,
            request.Target, request.Distractor, targetRequired: true, distractorRequired: true, cancellationToken: cancellationToken);
        var (modelId, loaded, clean) = (input.ModelId, input.Model, input.Tokens);
        var corrupted = CircuitsInput.Tokens(loaded, request.Corrupted, request.CorruptedIds, "corrupted", "corrupted_ids", CircuitLimits.MaxPatchTokens, limits);
        if (clean.Length != corrupted.Length)
        {
            throw new ArgumentException($"The clean prompt has {clean.Length} tokens and the corrupted prompt {corrupted.Length}; patching needs equal lengths.");
        }
        var (target, distractor) = (input.Target!.Value, input.Distractor!.Value);

        var (exact, estimate) = await models.RunAsync(modelId, InferenceClient.Of(context), (m, ct) =>
        {
            var model = m.Session.Model;
            var estimate = method == "exact" ? null : ActivationPatching.Estimate(model, clean, corrupted, target, distractor);
            var exact = method == "attribution" ? null : ActivationPatching.Run(model, clean, corrupted, target, distractor, cancellationToken: ct);
            return (exact, estimate);
        }, cancellationToken);

        var shown = exact ?? estimate!;
        PatchGridsDto? attribution = null;
        Dictionary<string, double?>? correlation = null;
        if (exact is not null && estimate is not null)
        {
            attribution = new PatchGridsDto(estimate.ResidPre, estimate.AttnOut, estimate.MlpOut, estimate.Heads);
            correlation = new Dictionary<string, double?>(StringComparer.Ordinal)
            {
                ["resid_pre"] = Finite(ActivationPatching.Correlation(exact.ResidPre, estimate.ResidPre)),
                ["attn_out"] = Finite(ActivationPatching.Correlation(exact.AttnOut, estimate.AttnOut)),
                ["mlp_out"] = Finite(ActivationPatching.Correlation(exact.MlpOut, estimate.MlpOut)),
                ["heads"] = Finite(ActivationPatching.Correlation(exact.Heads, estimate.Heads)),
            };
        }
        return TypedResults.Ok(new PatchResponse(
            modelId, method, loaded.TokenStrings(clean), loaded.TokenStrings(corrupted), CircuitsInput.Describe(loaded, target), CircuitsInput.Describe(loaded, distractor),
            shown.CleanMetric, shown.CorruptedMetric, shown.ResidPre, shown.AttnOut, shown.MlpOut, shown.Heads, attribution, correlation));
    }

    private static double? Finite(double r) => double.IsFinite(r) ? r : null;
}
