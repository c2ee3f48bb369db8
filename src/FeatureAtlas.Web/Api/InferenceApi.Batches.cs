using System.Text.Json;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

public static partial class InferenceApi
{
    /// <summary>
    /// <c>search-all</c> as Neuronpedia serves it: <c>text</c> a string (answered as one search) or an array (a batch,
    /// answered as <c>{results: [...]}</c> in order); SAEs named by folder name or source id; <c>sourceSet</c>, when
    /// given, must be one of the model's sets (404 naming it otherwise; unless it is what Neuronpedia's client derives
    /// from SAEs named by folder name) and, with no <c>selectedLayers</c>, chooses its SAEs.
    /// </summary>
    public static async Task<IResult> SearchAllTexts(SearchAllRequest request, ModelRuntime models, AtlasWebOptions limits, IDashboardStore dashboardStore, IExplanationStore explanationStore, SourceIds sources, HttpContext context, CancellationToken cancellationToken)
    {
        var model = ApiInput.Required(request.ModelId, "modelId");
        var selected = new List<string>();
        foreach (var sae in request.SelectedLayers ?? []) selected.Add((await sources.GetAsync(model, sae, cancellationToken)).Sae.Name);
        // Neuronpedia's client derives sourceSet from the source it was given (the text after the first '-'); given a
        // folder name, that is no set, but the SAEs are named exactly, so the set adds nothing to check.
        var derivedFromFolders = request.SelectedLayers is { Length: > 0 } named
            && named.All(n => selected.Contains(n) && SourceIds.SetOf(n) == request.SourceSet);
        if (!string.IsNullOrWhiteSpace(request.SourceSet) && !derivedFromFolders)
        {
            var set = await sources.InSetAsync(model, request.SourceSet, cancellationToken);
            var outside = selected.Where(s => !set.Any(x => x.Sae.Name == s)).ToArray();
            if (outside.Length > 0) throw new ArgumentException($"selectedLayers names {string.Join(", ", outside)}, not in source set '{request.SourceSet}'.");
            if (selected.Count == 0) selected.AddRange(set.Where(s => s.InferenceEnabled).Select(s => s.Sae.Name));
            if (selected.Count == 0) throw new ModelUnavailableException($"No SAE of source set '{request.SourceSet}' can run on this server.");
        }
        var resolved = request with { SelectedLayers = selected.ToArray(), DensityThreshold = Density(request.DensityThreshold) };
        if (request.Text.ValueKind != JsonValueKind.Array) return await SearchAll(resolved, models, limits, dashboardStore, explanationStore, sources, context, cancellationToken);
        var results = new List<SearchAllResponse>();
        foreach (var text in Texts(request.Text, "text"))
        {
            results.Add((await SearchAll(resolved with { Text = JsonSerializer.SerializeToElement(text) }, models, limits, dashboardStore, explanationStore, sources, context, cancellationToken)).Value!);
        }
        return TypedResults.Ok(new SearchAllBatchResponse(results.ToArray()));
    }

    /// <summary><c>search-topk-by-token</c> as Neuronpedia serves it: <c>text</c> a string, or an array answered as <c>{results: [...]}</c> in order.</summary>
    public static async Task<IResult> TopkByTokenTexts(TopkByTokenRequest request, ModelRuntime models, AtlasWebOptions limits, SourceIds sources, HttpContext context, CancellationToken cancellationToken)
    {
        var model = ApiInput.Required(request.ModelId, "modelId");
        var sae = ApiInput.Required(request.Source, "source");
        var resolved = request with { Source = (await sources.ResolveAsync(model, sae, cancellationToken)) ?? sae, DensityThreshold = Density(request.DensityThreshold) };
        if (request.Text.ValueKind != JsonValueKind.Array) return await TopkByToken(resolved, models, limits, sources, context, cancellationToken);
        var results = new List<TopkByTokenResponse>();
        foreach (var text in Texts(request.Text, "text"))
        {
            results.Add((await TopkByToken(resolved with { Text = JsonSerializer.SerializeToElement(text) }, models, limits, sources, context, cancellationToken)).Value!);
        }
        return TypedResults.Ok(new TopkByTokenBatchResponse(results.ToArray()));
    }

    /// <summary>Neuronpedia's <c>activation/source</c>: per text, its tokens and every feature of the SAE active after BOS, with its positions and values.</summary>
    public static async Task<Ok<ActivationSourceResponse>> ActivationSource(ActivationSourceRequest request, ModelRuntime models, AtlasWebOptions limits, SourceIds sources, HttpContext context, CancellationToken cancellationToken)
    {
        var model = ApiInput.Required(request.ModelId, "modelId");
        var sae = ApiInput.Required(request.Source, "source");
        var runtime = await models.GetAsync(model, cancellationToken);
        var session = runtime.SessionName((await sources.ResolveAsync(model, sae, cancellationToken)) ?? sae);
        var results = new List<ActivationSourceResult>();
        foreach (var text in Texts(request.CustomText))
        {
            var tokens = runtime.Tokenize(text, limits);
            var active = await models.RunAsync(model, InferenceClient.Of(context), (m, _) => m.Search.ActiveFeatures(tokens, session), cancellationToken);
            results.Add(new ActivationSourceResult(
                runtime.TokenStrings(tokens),
                active.ToDictionary(p => FeaturesApi.Index(p.Key), p => p.Value.Select(v => new[] { v.Position, v.Value }).ToArray())));
        }
        return TypedResults.Ok(new ActivationSourceResponse(results.ToArray()));
    }

    /// <summary>
    /// Neuronpedia's density filter: 0 (its client's default) is off, as −1 is (its server reads <c>densityThreshold || -1</c>);
    /// anything else must lie strictly between 0 and 1.
    /// </summary>
    private static float Density(float threshold) => threshold switch
    {
        0f or -1f => -1f,
        > 0f and < 1f => threshold,
        _ => throw new ArgumentException($"densityThreshold must be between 0 and 1 (or -1 or 0: off); got {threshold}."),
    };

    /// <summary>The one text of a request whose <c>text</c> is a string (null or missing: the tokenizer's own "text is required").</summary>
    private static string? SingleText(JsonElement text) => text.ValueKind switch
    {
        JsonValueKind.String => text.GetString(),
        JsonValueKind.Undefined or JsonValueKind.Null => null,
        _ => throw new ArgumentException("text must be a string or an array of up to 4 strings."),
    };
}
