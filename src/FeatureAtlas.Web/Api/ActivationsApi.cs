using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Rendering;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

/// <summary><c>POST /api/activation/get</c>: a feature's stored examples as Neuronpedia's Activation rows, maximum first.</summary>
public static class ActivationsApi
{
    public static IEndpointRouteBuilder MapActivationsApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/activation/get", Get).AsRead()
            .WithSummary("A feature's stored examples (top and interval), as the feature's activations, maximum first; 404 when it has none.");
        return api;
    }

    public static async Task<Ok<FeatureActivationDto[]>> Get(ActivationGetRequest body, FeatureViews views, SourceIds sources, CancellationToken cancellationToken)
    {
        var key = await sources.KeyAsync(ApiInput.Feature(body.ModelId, body.Source ?? body.Layer, body.Index), cancellationToken);
        var view = await views.GetAsync(key, cancellationToken);
        if (view?.Dashboard is null) throw new KeyNotFoundException(view is null ? $"There is no feature {key}." : $"Feature {key} has no dashboard yet.");
        var rows = FeaturesApi.Activations(view, await sources.IdOfAsync(key.Model, key.Sae, cancellationToken));
        if (rows.Length == 0) throw new KeyNotFoundException($"Feature {key} has no stored examples.");
        return TypedResults.Ok(rows);
    }
}
