using System.Security.Claims;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// <c>/api/explanation/*</c>: people's explanations of features, votes on them, and full-text search over every
/// explanation (Neuronpedia ranks by embedding similarity; we rank by text relevance, in the same response shape).
/// </summary>
public static class ExplanationsApi
{
    public const int MinQuery = 3;

    public static IEndpointRouteBuilder MapExplanationsApi(this IEndpointRouteBuilder api)
    {
        var explanations = api.MapGroup("/explanation");
        explanations.MapPost("/new", New).AsWrite()
            .WithSummary("Adds the caller's explanation of a feature ({feature:{modelId, layer, index, explanation}}, or the same fields flat).");
        explanations.MapPost("/search", Search).AsRead()
            .WithSummary($"Explanations matching the query's words (at least {MinQuery} characters), best first, {ExplanationSearch.PageSize} a page; optionally within one model (modelId) and some of its SAEs (layers: SAE names).");
        explanations.MapPost("/search-model", SearchModel).AsRead()
            .WithSummary($"Explanations of one model's features matching the query's words, best first, {ExplanationSearch.PageSize} a page.");
        explanations.MapPost("/search-release", SearchRelease).AsRead()
            .WithSummary($"Explanations of one release's features matching the query's words, best first, {ExplanationSearch.PageSize} a page; a release here is one model's source set (releaseName: {{modelId}}-{{set}}, or the set's name where one model has it).");
        explanations.MapPost("/search-all", SearchAll).AsRead()
            .WithSummary($"Explanations of every model's features matching the query's words, best first, {ExplanationSearch.PageSize} a page.");
        explanations.MapGet("/{id:int}", Get).AsRead()
            .WithSummary("One explanation by id, with its feature, scores and author.");
        explanations.MapPost("/{id:int}/vote", Vote).AsWrite()
            .WithSummary("Sets the caller's vote on someone else's explanation: +1 or -1 (unvote withdraws it); no points (Neuronpedia's {}) is +1.");
        explanations.MapPost("/{id:int}/unvote", Unvote).AsWrite()
            .WithSummary("Withdraws the caller's vote on an explanation.");
        explanations.MapPost("/delete", Delete).AsWrite()
            .WithSummary("Deletes one of the caller's explanations (admins: any explanation).");
        explanations.MapPost("/{id:int}/delete", DeleteById).AsWrite()
            .WithSummary("Deletes one of the caller's explanations (admins: any explanation), Neuronpedia's path; answers {message}.");
        return api;
    }

    public static async Task<Ok<ExplanationDto>> New(NewExplanationRequest body, ClaimsPrincipal user, IExplanationStore explanationStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var f = body.Feature;
        var feature = await sources.KeyAsync(f is null ? ApiInput.Feature(body.ModelId, body.Layer, body.Index) : ApiInput.Feature(f.ModelId, f.Layer, f.Index), cancellationToken);
        var explanation = await explanationStore.AddManualExplanationAsync(ApiInput.Caller(user), feature, f?.Explanation ?? body.Explanation ?? "", cancellationToken);
        return TypedResults.Ok(FeaturesApi.ToDto(explanation, await sources.IdOfAsync(feature.Model, feature.Sae, cancellationToken)));
    }

    public static async Task<Ok<ExplanationSearchResponse>> Search(SearchExplanationsRequest body, IExplanationStore explanationStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var model = string.IsNullOrWhiteSpace(body.ModelId) ? null : body.ModelId;
        var layers = body.Layers ?? [];
        for (var i = 0; i < layers.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(layers[i])) throw new ArgumentException($"layers[{i}] is empty; each layer is an SAE's source id (or folder name).");
        }
        if (layers.Length > 0 && model is null) throw new ArgumentException("modelId is required with layers: an SAE's name is unique only within its model.");
        // Neuronpedia's layers are source ids; folder names stay valid. A name matching no SAE finds nothing, as there.
        var saes = new string[layers.Length];
        for (var i = 0; i < layers.Length; i++) saes[i] = await sources.ResolveAsync(model!, layers[i], cancellationToken) ?? layers[i];
        return await SearchAsync(model, saes, body.Query, body.Offset, explanationStore, sources, cancellationToken);
    }

    public static Task<Ok<ExplanationSearchResponse>> SearchModel(SearchModelExplanationsRequest body, IExplanationStore explanationStore, SourceIds sources, CancellationToken cancellationToken) =>
        SearchAsync(ApiInput.Required(body.ModelId, "modelId"), [], body.Query, body.Offset, explanationStore, sources, cancellationToken);

    /// <summary>
    /// Neuronpedia groups source sets into releases named after model and set (<c>gpt2sm-res-jb</c>); the atlas has no
    /// releases, so a release is one model's source set, named <c>{modelId}-{set}</c> (<c>gpt2-res</c>), or by the set's
    /// name alone where only one model has it. A name that matches none is a 404; a bare set name several models have
    /// is a 400 naming them.
    /// </summary>
    public static async Task<Ok<ExplanationSearchResponse>> SearchRelease(SearchReleaseExplanationsRequest body, IModelStore modelStore, IExplanationStore explanationStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var release = ApiInput.Required(body.ReleaseName, "releaseName");
        var found = new List<(string Model, string[] Saes)>();
        foreach (var model in await modelStore.ListModelsAsync(cancellationToken))
        {
            var all = await sources.ListAsync(model.Name, cancellationToken);
            var named = all.Where(s => $"{model.Name}-{s.Set.Name}" == release).Select(s => s.Sae.Name).ToArray();
            if (named.Length > 0) return await SearchAsync(model.Name, named, body.Query, body.Offset, explanationStore, sources, cancellationToken);
            var inSet = all.Where(s => s.Set.Name == release).Select(s => s.Sae.Name).ToArray();
            if (inSet.Length > 0) found.Add((model.Name, inSet));
        }
        if (found.Count == 0) throw new KeyNotFoundException($"There is no release (source set) named '{release}'.");
        if (found.Count > 1)
        {
            throw new ArgumentException($"Source set '{release}' is in {found.Count} models; name the release as one of {string.Join(", ", found.Select(f => $"'{f.Model}-{release}'"))}.");
        }
        return await SearchAsync(found[0].Model, found[0].Saes, body.Query, body.Offset, explanationStore, sources, cancellationToken);
    }

    public static Task<Ok<ExplanationSearchResponse>> SearchAll(SearchAllExplanationsRequest body, IExplanationStore explanationStore, SourceIds sources, CancellationToken cancellationToken) =>
        SearchAsync(null, [], body.Query, body.Offset, explanationStore, sources, cancellationToken);

    private static async Task<Ok<ExplanationSearchResponse>> SearchAsync(string? model, string[] layers, string? text, int? start, IExplanationStore explanationStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var query = text?.Trim() ?? "";
        if (query.Length < MinQuery) throw new ArgumentException($"The query must be at least {MinQuery} characters long.");
        var offset = start ?? 0;
        if (offset < 0) throw new ArgumentException($"offset must not be negative; got {offset}.");
        var (results, hasMore) = await explanationStore.SearchExplanationsAsync(model, layers, query, offset, cancellationToken);
        var ids = await sources.MapAsync(results.Select(r => r.Feature.Model), cancellationToken);
        return TypedResults.Ok(new ExplanationSearchResponse(results.Select(r => FeaturesApi.ToDto(r, ids)).ToArray(), results.Count, hasMore, offset + results.Count));
    }

    public static async Task<Ok<ExplanationDto>> Get(int id, IExplanationStore explanationStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var explanation = await explanationStore.GetExplanationAsync(id, cancellationToken) ?? throw new KeyNotFoundException($"Explanation {id} does not exist.");
        return TypedResults.Ok(FeaturesApi.ToDto(explanation, await sources.IdOfAsync(explanation.Feature.Model, explanation.Feature.Sae, cancellationToken)));
    }

    /// <summary>Neuronpedia's frontend posts no body (or <c>{}</c>): an upvote.</summary>
    public static async Task<Ok<VoteDto>> Vote(int id, VoteRequest? body, ClaimsPrincipal user, ISocialStore socialStore, CancellationToken cancellationToken)
    {
        var caller = ApiInput.Caller(user);
        var points = ApiInput.Vote(body?.Points ?? 1);
        var votes = await socialStore.VoteExplanationAsync(caller, id, points, cancellationToken);
        return TypedResults.Ok(new VoteDto(id, votes, id, FeaturesApi.Id(caller.UserId), points));
    }

    public static async Task<Ok<VoteDto>> Unvote(int id, ClaimsPrincipal user, ISocialStore socialStore, CancellationToken cancellationToken)
    {
        var caller = ApiInput.Caller(user);
        return TypedResults.Ok(new VoteDto(id, await socialStore.VoteExplanationAsync(caller, id, 0, cancellationToken), id, FeaturesApi.Id(caller.UserId), 0));
    }

    public static async Task<Ok<MessageDto>> DeleteById(int id, ClaimsPrincipal user, IExplanationStore explanationStore, CancellationToken cancellationToken)
    {
        if (!await explanationStore.DeleteExplanationAsync(ApiInput.Caller(user), id, cancellationToken)) throw new KeyNotFoundException($"Explanation {id} does not exist.");
        return TypedResults.Ok(new MessageDto("Explanation deleted"));
    }

    public static async Task<NoContent> Delete(ExplanationIdRequest body, ClaimsPrincipal user, IExplanationStore explanationStore, CancellationToken cancellationToken)
    {
        var id = ApiInput.Required(body.ExplanationId, "explanationId");
        if (!await explanationStore.DeleteExplanationAsync(ApiInput.Caller(user), id, cancellationToken)) throw new KeyNotFoundException($"Explanation {id} does not exist.");
        return TypedResults.NoContent();
    }
}
