using FeatureAtlas.Core.Dashboards;
using System.Globalization;
using System.Text.Json;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Similarity;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Inference;
using FeatureAtlas.Web.Rendering;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

/// <summary><c>GET /api/feature/{model}/{sae}/{index}</c>: one feature's dashboard, in Neuronpedia's shape.</summary>
public static class FeaturesApi
{
    /// <summary>How many decoder neighbours <c>topkCosSimIndices</c> holds, the feature itself first (as Neuronpedia's).</summary>
    public const int TopkCosSim = 25;

    public static IEndpointRouteBuilder MapFeaturesApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/feature/{model}/{sae}/{index:int}", GetFeature)
            .WithName("GetFeature")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A feature's dashboard: activations (maximum first), logits, histograms, explanations, its model, source, source set, lists and comments.");
        api.MapGet("/analysis/{model}/{sae}", GetAnalysisSummary)
            .WithName("GetAnalysisSummary")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("An SAE's feature-analysis summary: per token set, how many features predict it; induction features; skipped sets.");
        return api;
    }

    public static async Task<Results<Ok<FeatureDto>, ProblemHttpResult>> GetFeature(
        string model, string sae, int index, FeatureViews views, SourceIds sources, ModelRuntime models, CancellationToken cancellationToken)
    {
        // The model's sources once: they resolve a source id to the stored SAE and describe it in the answer (this read
        // took them twice, and the model and SAE rows twice more, on every request).
        var list = await sources.TryListAsync(model, cancellationToken);
        var source = list?.FirstOrDefault(s => s.Sae.Name == sae) ?? list?.FirstOrDefault(s => s.Id == sae);
        var key = new FeatureKey(model, source?.Sae.Name ?? sae, index);
        var view = await views.GetAsync(key, social: true, viewerId: null, cancellationToken);
        if (view?.Dashboard is null)
        {
            // TypedResults.Problem, not NotFound(problem): only it answers application/problem+json.
            return TypedResults.Problem(
                title: "Feature not found",
                detail: view is null ? $"There is no feature {key}." : $"Feature {key} has no dashboard yet.",
                statusCode: StatusCodes.Status404NotFound);
        }
        if (source is null) throw new KeyNotFoundException($"Model '{model}' has no SAE '{key.Sae}' (by folder name or source id).");
        var (indices, values) = source.InferenceEnabled ? await NeighboursAsync(models, view, cancellationToken) : ([], []);
        return TypedResults.Ok(ToDto(view, source, indices, values));
    }

    /// <summary>The feature's nearest decoder directions in its own SAE (itself first), for an SAE this server can load; empty if it cannot load it after all.</summary>
    private static async Task<(int[] Indices, float[] Values)> NeighboursAsync(ModelRuntime models, FeatureView view, CancellationToken cancellationToken)
    {
        var key = view.Key;
        try
        {
            var runtime = await models.GetAsync(key.Model, cancellationToken);
            var name = runtime.SessionName(key.Sae);
            var own = runtime.Search.Session.Saes.First(s => s.Name == name);
            if (key.Index >= own.DSae) return ([], []);
            var found = await Task.Run(() => SimilarFeatures.Find(own, key.Index, [own], TopkCosSim - 1), cancellationToken);
            var features = found.Single().Features;
            // Neuronpedia's list starts with the feature itself, at cosine 1; Find leaves it out.
            return ([key.Index, .. features.Select(f => f.Index)], [1f, .. features.Select(f => f.Cosine)]);
        }
        catch (ModelUnavailableException)
        {
            return ([], []);
        }
    }

    public static async Task<Results<Ok<SaeAnalysisSummary>, ProblemHttpResult>> GetAnalysisSummary(string model, string sae, IFeatureAnalysisStore analyses, CancellationToken cancellationToken)
    {
        SaeAnalysisSummary? summary;
        try
        {
            summary = await analyses.GetAnalysisSummaryAsync(model, sae, cancellationToken);
        }
        catch (KeyNotFoundException e)
        {
            return TypedResults.Problem(title: "SAE not found", detail: e.Message, statusCode: StatusCodes.Status404NotFound);
        }
        return summary is null
            ? TypedResults.Problem(title: "No analysis", detail: $"SAE {model}/{sae} has no feature analysis yet; run `atlas analyze --model {model} --sae {sae}`.", statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Ok(summary);
    }

    public static FeatureDto ToDto(FeatureView view, SourceInfo source, int[] topkCosSimIndices, float[] topkCosSimValues)
    {
        var d = view.Dashboard!;
        var key = view.Key;
        var index = Index(key.Index);
        var social = view.Social;
        var tables = d.Tables ?? FeatureTables.Empty;
        return new FeatureDto
        {
            ModelId = key.Model,
            Layer = source.Id,
            Index = index,
            SourceSetName = source.Set.Name,
            HookName = view.Sae.HookName,
            MaxActApprox = d.MaxActivation,
            TopkCosSimIndices = topkCosSimIndices,
            TopkCosSimValues = topkCosSimValues,
            FracNonzero = d.FracNonzero,
            PosStr = view.PositiveLogits.Select(l => l.Token).ToArray(),
            PosValues = view.PositiveLogits.Select(l => l.Value).ToArray(),
            NegStr = view.NegativeLogits.Select(l => l.Token).ToArray(),
            NegValues = view.NegativeLogits.Select(l => l.Value).ToArray(),
            FreqHistDataBarHeights = d.ActivationHistogram.BarHeights,
            FreqHistDataBarValues = d.ActivationHistogram.BarValues,
            LogitsHistDataBarHeights = d.Logits?.Histogram.BarHeights ?? [],
            LogitsHistDataBarValues = d.Logits?.Histogram.BarValues ?? [],
            // Neuronpedia keeps the cosines in the *_l1 fields (SAEDashboard's converter puts them there).
            NeuronAlignmentIndices = tables.NeuronAlignmentIndices,
            NeuronAlignmentValues = tables.NeuronAlignmentValues,
            NeuronAlignmentL1 = tables.NeuronAlignmentL1,
            CorrelatedNeuronsIndices = tables.CorrelatedNeuronsIndices,
            CorrelatedNeuronsPearson = tables.CorrelatedNeuronsPearson,
            CorrelatedNeuronsL1 = tables.CorrelatedNeuronsCosine,
            CorrelatedFeaturesIndices = tables.CorrelatedFeaturesIndices,
            CorrelatedFeaturesPearson = tables.CorrelatedFeaturesPearson,
            CorrelatedFeaturesL1 = tables.CorrelatedFeaturesCosine,
            Model = ToDto(view.Model, source.InferenceEnabled),
            Source = ToDto(source),
            SourceSet = ToDto(source.Set),
            Lists = social?.Lists.Select(l => new FeatureListLinkDto(key.Model, source.Id, index, l.Slug, null, l.UpdatedAt, Id(l.OwnerId), ListsApi.ToDto(l, null, null))).ToArray() ?? [],
            Comments = social?.Comments.Select(c => CommentsApi.ToDto(c, source.Id)).ToArray() ?? [],
            Activations = Activations(view, source.Id),
            Explanations = view.Explanations.Select(e => ToDto(e, source.Id)).ToArray(),
            Analysis = d.Analysis is null ? null : FeatureAnalysisDto.From(d.Analysis),
            Corpus = view.Run?.Corpus,
            CorpusTokens = view.Run?.TotalTokens ?? 0,
        };
    }

    public static ModelDto ToDto(ModelRecord model, bool inferenceEnabled) =>
        new(model.Name, model.DisplayName ?? model.Name, model.Layers, model.DModel, 0, inferenceEnabled, Instruct: false, "PUBLIC");

    public static SourceDto ToDto(SourceInfo s) => new(
        s.Id, s.Sae.Model, s.Set.Name, HasDashboards: true, s.InferenceEnabled, "PUBLIC", s.Cfg, s.Sae.Name, s.Sae.HookName,
        s.Sae.DIn, s.Sae.DSae, s.Sae.Architecture);

    public static SourceSetDto ToDto(SourceSetInfo s) => new(
        s.Model, s.Name, s.Description, Type: "", CreatorName: "", HasDashboards: true, AllowInferenceSearch: true, "PUBLIC", [], ShowDfa: false,
        ShowUmap: false, DefaultRange: 1);

    /// <summary>An explanation as Neuronpedia's row, its SAE named by source id in <c>layer</c> and <c>source</c>.</summary>
    public static ExplanationDto ToDto(ExplanationRecord e, SourceIdMap ids) => ToDto(e, ids.Of(e.Feature.Model, e.Feature.Sae));

    /// <summary>An explanation as Neuronpedia's row, its SAE named <paramref name="sourceId"/>.</summary>
    public static ExplanationDto ToDto(ExplanationRecord e, string sourceId)
    {
        return new ExplanationDto(
            e.Id, e.Feature.Model, sourceId, sourceId, Index(e.Feature.Index), e.Text, e.Method, e.ModelName, e.AuthorName, e.Votes,
            ExplanationScores.Rows(e), e.AuthorId is { } author && e.AuthorName is { } name ? new UserNameDto(Id(author), name) : null,
            e.ScoresJson is null ? null : JsonDocument.Parse(e.ScoresJson).RootElement.Clone(), e.CreatedAt);
    }

    /// <summary>Neuronpedia keys features, users and lists by strings; ours are numbers, written the same way.</summary>
    public static string Index(int index) => index.ToString(CultureInfo.InvariantCulture);

    public static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>The feature's stored examples as Activation rows, ordered as Neuronpedia's: by maxValue, highest first (stable, so ties keep top examples first).</summary>
    public static FeatureActivationDto[] Activations(FeatureView view, string sourceId)
    {
        var key = view.Key;
        var top = view.Top.Select((e, i) => Activation(key, sourceId, $"top-{i}", e, null));
        var intervals = view.Intervals.SelectMany((g, j) => g.Examples.Select((e, i) => Activation(key, sourceId, $"interval-{j}-{i}", e, g)));
        return top.Concat(intervals).OrderByDescending(a => a.MaxValue).ToArray();
    }

    private static FeatureActivationDto Activation(FeatureKey key, string sourceId, string id, ExampleView e, IntervalView? interval)
    {
        // maxValue and its position are the maximum of values (first on ties), as Neuronpedia stores them; the token
        // the example was chosen for is qualifyingTokenIndex.
        var (max, at) = e.Peak();
        var min = e.Length == 0 ? 0 : e.MinValue;
        return new FeatureActivationDto(
            $"{key.Model}/{sourceId}/{key.Index}/{id}", key.Model, sourceId, sourceId, Index(key.Index), new ExampleTokens(e), new ExampleValues(e), max, at, min,
            e.MaxValueTokenIndex, interval?.Low, interval?.High, interval?.ContainsFraction, null, null, [], null, null, null);
    }
}
