using System.Text.Json;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Search;
using FeatureAtlas.Core.Storage;
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
        var group = api.MapGroup("").WithInferenceLimits(128 * 1024);
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

    public static async Task<IResult> NewActivation(ActivationRequest request, ModelRuntime models, AtlasWebOptions limits, SourceIds sources, HttpContext context, CancellationToken cancellationToken)
    {
        var named = request.Neuron is { } n ? (n.ModelId, n.Sae, n.Index) : (request.Feature?.ModelId, request.Feature?.Sae, request.Feature?.Index);
        var feature = await sources.KeyAsync(ApiInput.Feature(named.ModelId, named.Sae, named.Index), cancellationToken);
        var texts = Texts(request.CustomText);
        var (model, sae) = (feature.Model, feature.Sae);
        var runtime = await models.GetAsync(model, cancellationToken);
        // A transcoder's features are tested through its encoder, outside the session (which holds SAEs only).
        var transcoder = runtime.TranscoderRecords.FirstOrDefault(t => t.Name == sae);
        var session = transcoder is null ? runtime.SessionName(sae) : null;
        var dSae = transcoder?.DSae ?? runtime.Sae(sae).DSae;
        if (feature.Index < 0 || feature.Index >= dSae) throw new KeyNotFoundException($"Feature {feature.Index} is not in SAE '{sae}', which has {dSae} features.");

        var sourceId = await sources.IdOfAsync(model, sae, cancellationToken);
        var results = new List<ActivationDto>(texts.Count);
        foreach (var text in texts)
        {
            var tokens = runtime.Tokenize(text, limits);
            var a = await models.RunAsync(model, InferenceClient.Of(context), (m, _) => session is null
                ? m.Search.Activations(tokens, m.Transcoder(sae).Encoder, feature.Index, request.IgnoreBos)
                : m.Search.Activations(tokens, session, feature.Index, request.IgnoreBos), cancellationToken);
            var dto = ToDto(runtime.TokenStrings(tokens), a, dropBos: request.IgnoreBos && tokens[0] == FeatureSearch.BosToken) with
            {
                ModelId = feature.Model, Layer = sourceId, Index = FeaturesApi.Index(feature.Index),
            };
            results.Add(session is null ? dto : await WithDfaAsync(dto, models, model, session, tokens, feature.Index, a.MaxValueIndex, request.IgnoreBos && tokens[0] == FeatureSearch.BosToken, context, cancellationToken));
        }
        return request.CustomText.ValueKind == JsonValueKind.Array ? TypedResults.Ok(results) : TypedResults.Ok(results[0]);
    }

    public static async Task<Ok<SearchAllResponse>> SearchAll(SearchAllRequest request, ModelRuntime models, AtlasWebOptions limits, IDashboardStore dashboardStore, IExplanationStore explanationStore, SourceIds sources, HttpContext context, CancellationToken cancellationToken)
    {
        var model = ApiInput.Required(request.ModelId, "modelId");
        var runtime = await models.GetAsync(model, cancellationToken);
        var tokens = runtime.Tokenize(SingleText(request.Text), limits);
        var selected = (request.SelectedLayers ?? []).Select(runtime.SessionName).ToArray();
        var count = selected.Length > 0 ? selected.Length : runtime.Saes.Count;
        if (count > limits.MaxSaesPerSearch)
        {
            throw new ArgumentException($"This search would run {count} SAEs; at most {limits.MaxSaesPerSearch} may run at once. Choose some with selectedLayers.");
        }
        if (request.NumResults is < 1 or > FeatureSearch.MaxResults) throw new ArgumentException($"numResults must be 1 to {FeatureSearch.MaxResults}; got {request.NumResults}.");
        var sortIndexes = request.SortIndexes ?? [];
        foreach (var i in sortIndexes)
        {
            if (i < 0 || i >= tokens.Length) throw new ArgumentException($"sortIndexes holds {i}, but the text has {tokens.Length} tokens (0 is BOS).");
        }
        var relative = request.Ranking switch
        {
            null or "" or "activation" => false,
            "relative" => true,
            _ => throw new ArgumentException($"ranking must be 'activation' or 'relative'; got '{request.Ranking}'."),
        };
        var maxActivation = relative ? await MaxActivationsAsync(runtime, selected, model, dashboardStore, cancellationToken) : null;
        var options = new FeatureSearchOptions
        {
            Saes = selected,
            Layers = request.Layers ?? [],
            SortIndexes = sortIndexes,
            IgnoreBos = request.IgnoreBos,
            DensityThreshold = request.DensityThreshold,
            FracNonzero = runtime.Densities,
            NumResults = request.NumResults,
            RelativeToMax = relative,
            MaxActivation = maxActivation,
        };
        var matches = await models.RunAsync(model, InferenceClient.Of(context), (m, _) => m.Search.Search(tokens, options), cancellationToken);

        var keys = matches.Select(m => new FeatureKey(model, runtime.StoredName(m.Sae), m.Feature)).ToArray();
        var explanations = await explanationStore.BestExplanationsAsync(keys, cancellationToken);
        var ids = await sources.MapAsync([model], cancellationToken);
        var results = matches.Select((m, i) => new SearchResultDto(
            model, ids.Of(model, keys[i].Sae), FeaturesApi.Index(m.Feature), m.Values, m.MaxValue, m.MaxValueIndex, m.SumValue, m.Layer,
            runtime.Densities.TryGetValue(m.Sae, out var d) && m.Feature < d.Length && d[m.Feature] >= 0 ? d[m.Feature] : null,
            explanations.GetValueOrDefault(keys[i]),
            maxActivation is null ? null : (sortIndexes.Length > 0 ? m.SumValue : m.MaxValue) / maxActivation[m.Sae][m.Feature], keys[i].Sae)).ToArray();
        return TypedResults.Ok(new SearchAllResponse(runtime.TokenStrings(tokens), results, sortIndexes));
    }

    /// <summary>Each searched SAE's stored max_act (session name → [S]); an SAE without dashboards cannot be ranked relatively.</summary>
    private static async Task<Dictionary<string, float[]>> MaxActivationsAsync(LoadedModel runtime, string[] selected, string model, IDashboardStore dashboardStore, CancellationToken cancellationToken)
    {
        var sessions = selected.Length > 0 ? selected : runtime.Saes.Select(s => runtime.SessionName(s.Name)).ToArray();
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var session in sessions)
        {
            var stored = runtime.StoredName(session);
            result[session] = await dashboardStore.GetMaxActivationsAsync(model, stored, cancellationToken)
                ?? throw new ArgumentException($"SAE '{stored}' has no dashboards, so its features have no max activation to rank relative to: rank by activation, or build its dashboards.");
        }
        return result;
    }

    public static async Task<Ok<TopkByTokenResponse>> TopkByToken(TopkByTokenRequest request, ModelRuntime models, AtlasWebOptions limits, SourceIds sources, HttpContext context, CancellationToken cancellationToken)
    {
        var (model, sae) = (ApiInput.Required(request.ModelId, "modelId"), ApiInput.Required(request.Source, "source"));
        var runtime = await models.GetAsync(model, cancellationToken);
        var session = runtime.SessionName(sae);
        var tokens = runtime.Tokenize(SingleText(request.Text), limits);
        if (request.NumResults is < 1 or > FeatureSearch.MaxFeaturesPerToken) throw new ArgumentException($"numResults must be 1 to {FeatureSearch.MaxFeaturesPerToken}; got {request.NumResults}.");
        var options = new TopFeaturesByTokenOptions
        {
            NumResults = request.NumResults,
            IgnoreBos = request.IgnoreBos,
            DensityThreshold = request.DensityThreshold,
            FracNonzero = runtime.Densities.GetValueOrDefault(session),
        };
        var byToken = await models.RunAsync(model, InferenceClient.Of(context), (m, _) => m.Search.TopFeaturesByToken(tokens, session, options), cancellationToken);
        var strings = runtime.TokenStrings(tokens);
        var results = byToken.Select(t => new TokenResultDto(t.Position, strings[t.Position], t.IsSpecial,
            t.Features.Select(f => new TopFeatureDto(f.Value, f.Feature)).ToArray())).ToArray();
        return TypedResults.Ok(new TopkByTokenResponse(await sources.IdOfAsync(model, sae, cancellationToken), results));
    }

    private static ActivationDto ToDto(string[] tokens, FeatureActivations a, bool dropBos)
    {
        if (!dropBos) return new ActivationDto(tokens, a.Values, a.MaxValue, a.MaxValueIndex, a.MinValue);
        // Neuronpedia's ignoreBos drops the leading special token, so indexes count from the first real token.
        return new ActivationDto(tokens[1..], a.Values[1..], a.MaxValue, Math.Max(0, a.MaxValueIndex - 1), a.MinValue);
    }

    /// <summary>A JSON string as text; invalid UTF-16 (a lone surrogate) is bad input naming the field, as everywhere.</summary>
    private static string Text(JsonElement element, string field)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new ArgumentException($"'{field}' holds invalid UTF-16 (a lone surrogate such as \\ud800); send well-formed text.");
        }
    }

    private static List<string> Texts(JsonElement customText, string field = "customText")
    {
        switch (customText.ValueKind)
        {
            case JsonValueKind.String:
                return [Text(customText, field)];
            case JsonValueKind.Array:
                var texts = customText.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String
                    ? Text(e, field)
                    : throw new ArgumentException($"{field} must be a string or an array of strings.")).ToList();
                if (texts.Count is 0 or > MaxTexts) throw new ArgumentException($"{field} may hold 1 to {MaxTexts} texts; got {texts.Count}.");
                return texts;
            default:
                throw new ArgumentException($"The request has no '{field}' (a string, or up to 4 strings).");
        }
    }
}
