using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

public static partial class CircuitsApi
{
    public static async Task<Ok<AblateResponse>> Ablate(AblateRequest request, ModelRuntime models, AtlasWebOptions limits, HttpContext context, CancellationToken cancellationToken)
    {
        var top = CircuitsInput.TopN(request.TopN, 10);
        var requested = request.Features ?? [];
        if (requested.Length == 0) throw new ArgumentException("features is required: at least one {sae, index, value?, positions?}.");
        if (requested.Length > FeatureAblation.MaxEdits) throw new ArgumentException($"features has {requested.Length} entries; at most {FeatureAblation.MaxEdits} are allowed.");
        var input = await CircuitsInput.ReadAsync(models, limits, request.ModelId, new(request.Prompt, request.TokenIds), CircuitLimits.MaxAblateTokens,
            request.Target, request.Distractor, request.Position, cancellationToken: cancellationToken);
        var (modelId, loaded, tokens, target, distractor, position) = input;
        var edits = requested.Select((f, i) => new FeatureEdit(
            loaded.SessionName(ApiInput.Required(f.Sae, $"features[{i}].sae")), ApiInput.Required(f.Index, $"features[{i}].index"), f.Value, f.Positions)).ToArray();

        var result = await models.RunAsync(modelId, InferenceClient.Of(context),
            (m, _) => FeatureAblation.Run(m.Session.Model, m.Session.Saes, tokens, edits, target, distractor, position, top), cancellationToken);

        TokenChangeDto Change(TokenChange c) => new(c.TokenId, loaded.TokenStrings([c.TokenId])[0], c.Before, c.After);
        return TypedResults.Ok(new AblateResponse(
            modelId, loaded.TokenStrings(tokens), tokens, result.Position,
            target is { } t ? CircuitsInput.Describe(loaded, t) : null, distractor is { } d ? CircuitsInput.Describe(loaded, d) : null,
            result.MetricBefore, result.MetricAfter, result.MetricChange, result.Target?.Before, result.Target?.After, result.Kl,
            result.TopBefore.Select(Change).ToArray(), result.TopAfter.Select(Change).ToArray(),
            result.Features.Select(f => new AblatedFeatureDto(loaded.StoredName(f.Sae), f.Index, f.Position, f.Found, f.Set)).ToArray()));
    }
}
