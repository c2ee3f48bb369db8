using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

public static partial class CircuitsApi
{
    /// <summary>The tolerance of <c>sums_to_logit_diff</c>, relative to the logit difference (at least 1).</summary>
    public const double SumTolerance = 1e-4;

    public static async Task<Ok<AttributeResponse>> Attribute(AttributeRequest request, ModelRuntime models, AtlasWebOptions limits, HttpContext context, CancellationToken cancellationToken)
    {
        var exactTop = request.ExactTop ?? LogitAttribution.DefaultExactTop;
        if (exactTop is < 0 or > CircuitLimits.MaxExactTop) throw new ArgumentException($"exact_top must be 0 to {CircuitLimits.MaxExactTop}; got {exactTop}.");
        var input = await CircuitsInput.ReadAsync(models, limits, request.ModelId, new(request.Prompt, request.TokenIds), CircuitLimits.MaxAttributeTokens,
            request.Target, request.Distractor, request.Position, targetRequired: true, cancellationToken: cancellationToken);
        var (modelId, loaded, tokens, _, distractor, position) = input;
        var target = input.Target!.Value;
        var stored = request.Saes is { Length: > 0 } chosen ? chosen.Distinct(StringComparer.Ordinal).ToArray() : loaded.Saes.Select(s => s.Name).ToArray();
        var sessionNames = stored.Select(loaded.SessionName).ToHashSet(StringComparer.Ordinal);

        var result = await models.RunAsync(modelId, InferenceClient.Of(context), (m, _) =>
        {
            var saes = m.Session.Saes.Where(s => sessionNames.Contains(s.Name)).ToArray();
            return LogitAttribution.Explain(m.Session.Model, saes, tokens, target, distractor, position, exactTop);
        }, cancellationToken);

        var sums = Math.Abs(result.ComponentSum - result.LogitDiff) <= SumTolerance * Math.Max(1, Math.Abs(result.LogitDiff));
        var layers = loaded.Saes.ToDictionary(s => s.Name, s => s.Layer, StringComparer.Ordinal);
        return TypedResults.Ok(new AttributeResponse(
            modelId, loaded.TokenStrings(tokens), tokens, result.Position, CircuitsInput.Describe(loaded, target),
            distractor is { } d ? CircuitsInput.Describe(loaded, d) : null, result.LogitDiff, result.ComponentSum, sums,
            result.Components.Select(c => new AttributionComponentDto(c.Name, c.Direct, c.ActTimesGrad, c.Exact, c.BySource)).ToArray(),
            result.Features.Select(f =>
            {
                var sae = loaded.StoredName(f.Sae);
                return new FeatureAttributionDto(sae, f.Index, layers[sae], f.Activation, f.Direct, f.ActTimesGrad, f.Exact);
            }).ToArray(),
            result.SaeErrors.Select(e => new SaeErrorDto(loaded.StoredName(e.Sae), e.Direct, e.ActTimesGrad)).ToArray()));
    }
}
