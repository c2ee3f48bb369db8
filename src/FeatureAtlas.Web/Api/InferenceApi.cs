using System.Text.Json;
using FeatureAtlas.Core.Search;
using FeatureAtlas.Data.Social;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// Live inference: <c>activation/new</c> (one feature on a text), <c>search-all</c> (which features fire on a text,
/// across SAEs) and <c>search-topk-by-token</c>. Anyone may call them; each client is rate-limited, and text length
/// and SAE count are bounded (<see cref="AtlasWebOptions"/>).
/// </summary>
public static partial class InferenceApi
{
    private const int MaxTexts = 4;

    public static IEndpointRouteBuilder MapInferenceApi(this IEndpointRouteBuilder api)
    {
        // Up to 4 texts of 8,000 characters, in JSON.
        var group = api.MapGroup("")
            .RequireRateLimiting(AtlasRateLimits.Inference)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(128 * 1024));
        group.MapPost("/activation/new", NewActivation)
            .WithSummary("One feature's activation at every token of a text (or of up to 4 texts).");
        group.MapPost("/activation/source", ActivationSource)
            .WithSummary("Every active feature of one SAE at each token of a text (or of up to 4 texts).");
        group.MapPost("/search-all", SearchAllTexts)
            .WithSummary("The features that fire most on a text, across the model's SAEs, ranked by maximum or by the sum at chosen positions.");
        group.MapPost("/search-topk-by-token", TopkByTokenTexts)
            .WithSummary("One SAE's strongest features at each token of a text.");
        return api;
    }

    public static async Task<IResult> NewActivation(ActivationRequest request, InferenceHost host, SourceIds sources, CancellationToken cancellationToken)
    {
        var named = request.Neuron is { } n ? (n.ModelId, n.Sae, n.Index) : (request.Feature?.ModelId, request.Feature?.Sae, request.Feature?.Index);
        var feature = await sources.KeyAsync(ApiInput.Feature(named.ModelId, named.Sae, named.Index), cancellationToken);
        var (model, sae) = (feature.Model, feature.Sae);
        var runtime = await host.GetAsync(model, cancellationToken);
        var session = runtime.SessionName(sae);
        var dSae = runtime.Sae(sae).DSae;
        if (feature.Index < 0 || feature.Index >= dSae) throw new KeyNotFoundException($"Feature {feature.Index} is not in SAE '{sae}', which has {dSae} features.");

        var texts = Texts(request.CustomText);
        var results = new List<ActivationDto>(texts.Count);
        foreach (var text in texts)
        {
            var tokens = runtime.Tokenize(text, host.Options);
            var a = await runtime.Search.ActivationsAsync(tokens, session, feature.Index, request.IgnoreBos, cancellationToken);
            results.Add(ToDto(runtime.TokenStrings(tokens), a, dropBos: request.IgnoreBos && tokens[0] == FeatureSearch.BosToken) with
            {
                ModelId = feature.Model, Layer = feature.Sae, Index = FeaturesApi.Index(feature.Index),
            });
        }
        return request.CustomText.ValueKind == JsonValueKind.Array ? TypedResults.Ok(results) : TypedResults.Ok(results[0]);
    }

    public static async Task<Ok<SearchAllResponse>> SearchAll(SearchAllRequest request, InferenceHost host, AtlasStore store, CancellationToken cancellationToken)
    {
        var model = ApiInput.Required(request.ModelId, "modelId");
        var runtime = await host.GetAsync(model, cancellationToken);
        var tokens = runtime.Tokenize(SingleText(request.Text), host.Options);
        var selected = (request.SelectedLayers ?? []).Select(runtime.SessionName).ToArray();
        var count = selected.Length > 0 ? selected.Length : runtime.Saes.Count;
        if (count > host.Options.MaxSaesPerSearch)
        {
            throw new ArgumentException($"This search would run {count} SAEs; at most {host.Options.MaxSaesPerSearch} may run at once. Choose some with selectedLayers.");
        }
        if (request.NumResults is < 1 or > FeatureSearch.MaxResults) throw new ArgumentException($"numResults must be 1 to {FeatureSearch.MaxResults}; got {request.NumResults}.");
        var sortIndexes = request.SortIndexes ?? [];
        foreach (var i in sortIndexes)
        {
            if (i < 0 || i >= tokens.Length) throw new ArgumentException($"sortIndexes holds {i}, but the text has {tokens.Length} tokens (0 is BOS).");
        }
        var matches = await runtime.Search.SearchAsync(tokens, new FeatureSearchOptions
        {
            Saes = selected,
            Layers = request.Layers ?? [],
            SortIndexes = sortIndexes,
            IgnoreBos = request.IgnoreBos,
            DensityThreshold = request.DensityThreshold,
            FracNonzero = runtime.Densities,
            NumResults = request.NumResults,
        }, cancellationToken);

        var keys = matches.Select(m => new FeatureKey(model, runtime.StoredName(m.Sae), m.Feature)).ToArray();
        var explanations = await store.BestExplanationsAsync(keys, cancellationToken);
        var results = matches.Select((m, i) => new SearchResultDto(
            model, keys[i].Sae, FeaturesApi.Index(m.Feature), m.Values, m.MaxValue, m.MaxValueIndex, m.SumValue, m.Layer,
            runtime.Densities.TryGetValue(m.Sae, out var d) && m.Feature < d.Length && d[m.Feature] >= 0 ? d[m.Feature] : null,
            explanations.GetValueOrDefault(keys[i]))).ToArray();
        return TypedResults.Ok(new SearchAllResponse(runtime.TokenStrings(tokens), results, sortIndexes));
    }

    public static async Task<Ok<TopkByTokenResponse>> TopkByToken(TopkByTokenRequest request, InferenceHost host, CancellationToken cancellationToken)
    {
        var (model, sae) = (ApiInput.Required(request.ModelId, "modelId"), ApiInput.Required(request.Source, "source"));
        var runtime = await host.GetAsync(model, cancellationToken);
        var session = runtime.SessionName(sae);
        var tokens = runtime.Tokenize(SingleText(request.Text), host.Options);
        if (request.NumResults is < 1 or > FeatureSearch.MaxFeaturesPerToken) throw new ArgumentException($"numResults must be 1 to {FeatureSearch.MaxFeaturesPerToken}; got {request.NumResults}.");
        var byToken = await runtime.Search.TopFeaturesByTokenAsync(tokens, session, new TopFeaturesByTokenOptions
        {
            NumResults = request.NumResults,
            IgnoreBos = request.IgnoreBos,
            DensityThreshold = request.DensityThreshold,
            FracNonzero = runtime.Densities.GetValueOrDefault(session),
        }, cancellationToken);
        var strings = runtime.TokenStrings(tokens);
        var results = byToken.Select(t => new TokenResultDto(t.Position, strings[t.Position], t.IsSpecial,
            t.Features.Select(f => new TopFeatureDto(f.Value, f.Feature)).ToArray())).ToArray();
        return TypedResults.Ok(new TopkByTokenResponse(sae, results));
    }

    private static ActivationDto ToDto(string[] tokens, FeatureActivations a, bool dropBos)
    {
        if (!dropBos) return new ActivationDto(tokens, a.Values, a.MaxValue, a.MaxValueIndex, a.MinValue);
        // Neuronpedia's ignoreBos drops the leading special token, so indexes count from the first real token.
        return new ActivationDto(tokens[1..], a.Values[1..], a.MaxValue, Math.Max(0, a.MaxValueIndex - 1), a.MinValue);
    }

    private static List<string> Texts(JsonElement customText, string field = "customText")
    {
        switch (customText.ValueKind)
        {
            case JsonValueKind.String:
                return [customText.GetString()!];
            case JsonValueKind.Array:
                var texts = customText.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String
                    ? e.GetString()!
                    : throw new ArgumentException($"{field} must be a string or an array of strings.")).ToList();
                if (texts.Count is 0 or > MaxTexts) throw new ArgumentException($"{field} may hold 1 to {MaxTexts} texts; got {texts.Count}.");
                return texts;
            default:
                throw new ArgumentException($"The request has no '{field}' (a string, or up to 4 strings).");
        }
    }
}
