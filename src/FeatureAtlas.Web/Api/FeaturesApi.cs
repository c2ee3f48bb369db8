using System.Text.Json;
using FeatureAtlas.Data.Social;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Rendering;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

/// <summary><c>GET /api/feature/{model}/{sae}/{index}</c>: one feature's dashboard, in Neuronpedia's shape.</summary>
public static class FeaturesApi
{
    public static IEndpointRouteBuilder MapFeaturesApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/feature/{model}/{sae}/{index:int}", GetFeature)
            .WithName("GetFeature")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A feature's dashboard: top and interval activations, logits, histograms and explanations.");
        return api;
    }

    public static async Task<Results<Ok<FeatureDto>, ProblemHttpResult>> GetFeature(
        string model, string sae, int index, FeatureViews views, CancellationToken cancellationToken)
    {
        var key = new FeatureKey(model, sae, index);
        var view = await views.GetAsync(key, cancellationToken);
        if (view?.Dashboard is null)
        {
            // TypedResults.Problem, not NotFound(problem): only it answers application/problem+json.
            return TypedResults.Problem(
                title: "Feature not found",
                detail: view is null ? $"There is no feature {key}." : $"Feature {key} has no dashboard yet.",
                statusCode: StatusCodes.Status404NotFound);
        }
        return TypedResults.Ok(ToDto(view));
    }

    public static FeatureDto ToDto(FeatureView view)
    {
        var d = view.Dashboard!;
        var activations = view.Top.Select(e => Activation(e))
            .Concat(view.Intervals.SelectMany(i => i.Examples.Select(e => Activation(e, i))))
            .ToArray();
        return new FeatureDto
        {
            ModelId = view.Key.Model,
            Layer = view.Key.Sae,
            Index = view.Key.Index,
            HookName = view.Sae.HookName,
            MaxActApprox = d.MaxActivation,
            FracNonzero = d.FracNonzero,
            PosStr = view.PositiveLogits.Select(l => l.Token).ToArray(),
            PosValues = view.PositiveLogits.Select(l => l.Value).ToArray(),
            NegStr = view.NegativeLogits.Select(l => l.Token).ToArray(),
            NegValues = view.NegativeLogits.Select(l => l.Value).ToArray(),
            FreqHistDataBarHeights = d.ActivationHistogram.BarHeights,
            FreqHistDataBarValues = d.ActivationHistogram.BarValues,
            LogitsHistDataBarHeights = d.Logits?.Histogram.BarHeights ?? [],
            LogitsHistDataBarValues = d.Logits?.Histogram.BarValues ?? [],
            Activations = activations,
            Explanations = view.Explanations.Select(ToDto).ToArray(),
            Corpus = view.Run?.Corpus,
            CorpusTokens = view.Run?.TotalTokens ?? 0,
        };
    }

    public static ExplanationDto ToDto(ExplanationInfo e) => new(
        e.Id, e.Feature.Model, e.Feature.Sae, e.Feature.Index, e.Text, e.Method, e.ModelName, e.AuthorName, e.Votes,
        e.ScoresJson is null ? null : JsonDocument.Parse(e.ScoresJson).RootElement.Clone(), e.CreatedAt);

    private static ActivationDto Activation(ExampleView e, IntervalView? interval = null) =>
        new(e.Tokens, e.Values, e.MaxValue, e.MaxValueTokenIndex, e.MinValue, interval?.Low, interval?.High, interval?.ContainsFraction);
}
