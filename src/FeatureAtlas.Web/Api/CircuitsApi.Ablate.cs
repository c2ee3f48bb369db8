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
        var modelId = ApiInput.Required(request.ModelId, "modelId");
        var top = request.TopN ?? 10;
        if (top is < 1 or > LogitLens.MaxTop) throw new ArgumentException($"top_n must be 1 to {LogitLens.MaxTop}; got {top}.");
        var requested = request.Features ?? [];
        if (requested.Length == 0) throw new ArgumentException("features is required: at least one {sae, index, value?, positions?}.");
        if (requested.Length > FeatureAblation.MaxEdits) throw new ArgumentException($"features has {requested.Length} entries; at most {FeatureAblation.MaxEdits} are allowed.");
        var loaded = await models.GetAsync(modelId, cancellationToken);
        var tokens = CircuitsInput.Tokens(loaded, request.Prompt, request.TokenIds, "prompt", "token_ids", CircuitLimits.MaxAblateTokens, limits);
        var target = CircuitsInput.OptionalToken(loaded, request.Target, "target");
        var distractor = CircuitsInput.OptionalToken(loaded, request.Distractor, "distractor");
        if (distractor is not null && target is null) throw new ArgumentException("distractor needs a target.");
        var position = CircuitsInput.Position(request.Position, tokens.Length);
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
