using System.Security.Claims;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// <c>/api/list/*</c>: named lists of features with notes, Neuronpedia's paths and fields. Every call but <c>get</c>
/// needs a signed-in caller; only a list's owner (or an admin) may change it. Unlisted lists are readable by id.
/// </summary>
public static class ListsApi
{
    public static IEndpointRouteBuilder MapListsApi(this IEndpointRouteBuilder api)
    {
        var lists = api.MapGroup("/list");
        lists.MapPost("/new", New).AsWrite()
            .WithSummary("Creates a list; answers its id (slug) and URL.");
        lists.MapPost("/new-with-features", NewWithFeatures).AsWrite(ApiConventions.ListBody)
            .WithSummary("Creates a list holding 1 to 100 features; nothing is created if any feature is unknown.");
        lists.MapPost("/add-features", AddFeatures).AsWrite(ApiConventions.ListBody)
            .WithSummary("Adds up to 100 features (with optional notes) to one of your lists; answers the added rows (modelId, layer, index, listId, description, addedAt, userId).");
        lists.MapPost("/remove", Remove).AsWrite()
            .WithSummary("Removes a feature from one of your lists.");
        lists.MapPost("/edit-feature", EditFeature).AsWrite()
            .WithSummary("Changes the note (description) of a feature on one of your lists.");
        lists.MapPost("/update", Update).AsWrite()
            .WithSummary("Renames one of your lists, or changes its description, default test text or visibility.");
        lists.MapPost("/delete", Delete).AsWrite()
            .WithSummary("Deletes one of your lists.");
        lists.MapPost("/get", Get).AsRead()
            .WithSummary("A list and its features, by id; no sign-in needed (unlisted lists are readable by whoever has the id).");
        lists.MapPost("/comment/new", NewComment).AsWrite()
            .WithSummary($"Comments on a list anyone with its id can read ({CommunityLimits.MinListComment} to {CommunityLimits.MaxComment} characters).");
        lists.MapPost("/comment/delete", DeleteComment).AsWrite()
            .WithSummary("Deletes one of the caller's list comments (admins: anyone's); answers {count}.");
        lists.MapPost("/list", Mine).AsRead().RequireAuthorization(Auth.AtlasAuthExtensions.SignedIn)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("The caller's lists, public and unlisted, most recently changed first.");
        return api;
    }

    public static async Task<Ok<ListDto>> New(NewListRequest body, ClaimsPrincipal user, HttpRequest request, IListStore listStore, CancellationToken cancellationToken)
    {
        var info = await listStore.CreateListAsync(ApiInput.Caller(user), body.Name ?? "", body.Description, body.TestText, body.IsPublic ?? true, cancellationToken);
        return TypedResults.Ok(ToDto(info, [], request));
    }

    public static async Task<Ok<ListDto>> NewWithFeatures(NewListRequest body, ClaimsPrincipal user, HttpRequest request, IListStore listStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var actor = ApiInput.Caller(user);
        var items = await ResolveAsync(sources, Items(body.Features, "features"), cancellationToken);
        var info = await listStore.CreateListAsync(actor, body.Name ?? "", body.Description, body.TestText, body.IsPublic ?? true, cancellationToken);
        try
        {
            await listStore.AddListItemsAsync(actor, info.Slug, items, cancellationToken);
        }
        catch
        {
            // No half-made list: the features are added in one transaction, so undo the list if they were refused.
            await listStore.DeleteListAsync(actor, info.Slug, CancellationToken.None);
            throw;
        }
        return TypedResults.Ok(await ReadAsync(listStore, sources, info.Slug, request, cancellationToken));
    }

    /// <summary>Neuronpedia answers the ListsOnNeurons rows it created, which its client reads; so do we.</summary>
    public static async Task<Ok<ListNeuronDto[]>> AddFeatures(AddListFeaturesRequest body, ClaimsPrincipal user, IListStore listStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var slug = ApiInput.ListId(body.ListId);
        var items = await ResolveAsync(sources, Items(body.FeaturesToAdd, "featuresToAdd"), cancellationToken);
        await listStore.AddListItemsAsync(ApiInput.Caller(user), slug, items, cancellationToken);
        var list = await listStore.GetListAsync(slug, cancellationToken) ?? throw new KeyNotFoundException($"List '{slug}' does not exist.");
        // In the order asked (a feature named twice: once), as Neuronpedia's createManyAndReturn answers.
        var stored = list.Items.ToDictionary(i => i.Feature);
        var ids = await sources.MapAsync(items.Select(i => i.Feature.Model), cancellationToken);
        return TypedResults.Ok(items.Select(i => i.Feature).Distinct().Select(f => Neuron(list.Info, stored[f], ids)).ToArray());
    }

    public static async Task<Ok<ListDto>> Remove(ListFeatureRequest body, ClaimsPrincipal user, HttpRequest request, IListStore listStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var slug = ApiInput.ListId(body.ListId);
        var feature = await sources.KeyAsync(ApiInput.Feature(body.ModelId, body.Layer, body.Index), cancellationToken);
        if (!await listStore.RemoveListItemAsync(ApiInput.Caller(user), slug, feature, cancellationToken))
        {
            throw new KeyNotFoundException($"Feature {feature} is not on list '{slug}'.");
        }
        return TypedResults.Ok(await ReadAsync(listStore, sources, slug, request, cancellationToken));
    }

    public static async Task<Ok<ListDto>> EditFeature(ListFeatureRequest body, ClaimsPrincipal user, HttpRequest request, IListStore listStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var slug = ApiInput.ListId(body.ListId);
        var feature = await sources.KeyAsync(ApiInput.Feature(body.ModelId, body.Layer, body.Index), cancellationToken);
        var list = await listStore.GetListAsync(slug, cancellationToken) ?? throw new KeyNotFoundException($"List '{slug}' does not exist.");
        if (!list.Items.Any(i => i.Feature == feature)) throw new KeyNotFoundException($"Feature {feature} is not on list '{slug}'.");
        // Adding a feature already on the list only replaces its note; an empty note clears it.
        await listStore.AddListItemsAsync(ApiInput.Caller(user), slug, [(feature, body.Description ?? "")], cancellationToken);
        return TypedResults.Ok(await ReadAsync(listStore, sources, slug, request, cancellationToken));
    }

    public static async Task<Ok<ListDto>> Update(UpdateListRequest body, ClaimsPrincipal user, HttpRequest request, IListStore listStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var slug = ApiInput.ListId(body.ListId);
        var current = await listStore.GetListAsync(slug, cancellationToken) ?? throw new KeyNotFoundException($"List '{slug}' does not exist.");
        await listStore.UpdateListAsync(
            ApiInput.Caller(user), slug, body.Name ?? "", body.Description, body.DefaultTestText ?? current.Info.DefaultTestText,
            body.IsPublic ?? current.Info.IsPublic, cancellationToken);
        return TypedResults.Ok(await ReadAsync(listStore, sources, slug, request, cancellationToken));
    }

    public static async Task<NoContent> Delete(ListIdRequest body, ClaimsPrincipal user, IListStore listStore, CancellationToken cancellationToken)
    {
        await listStore.DeleteListAsync(ApiInput.Caller(user), ApiInput.ListId(body.ListId), cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<ListDto>> Get(ListIdRequest body, HttpRequest request, IListStore listStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var slug = ApiInput.ListId(body.ListId);
        var list = await ReadAsync(listStore, sources, slug, request, cancellationToken);
        var comments = await listStore.ListListCommentsAsync(slug, cancellationToken);
        return TypedResults.Ok(list with { Comments = comments.Select(ToDto).ToArray() });
    }

    public static async Task<Ok<ListCommentDto>> NewComment(ListCommentRequest body, ClaimsPrincipal user, IListStore listStore, CancellationToken cancellationToken) =>
        TypedResults.Ok(ToDto(await listStore.AddListCommentAsync(ApiInput.Caller(user), ApiInput.ListId(body.ListId), body.Text ?? "", cancellationToken)));

    public static async Task<Ok<DeletedCountDto>> DeleteComment(ListCommentRequest body, ClaimsPrincipal user, IListStore listStore, CancellationToken cancellationToken)
    {
        var id = ApiInput.Required(body.CommentId, "commentId");
        if (!await listStore.DeleteListCommentAsync(ApiInput.Caller(user), id, cancellationToken)) throw new KeyNotFoundException($"List comment {id} does not exist.");
        return TypedResults.Ok(new DeletedCountDto(1));
    }

    public static ListCommentDto ToDto(ListCommentInfo c) =>
        new(c.Id, c.ListSlug, c.Text, FeaturesApi.Id(c.UserId), new UserNameDto(FeaturesApi.Id(c.UserId), c.UserName), c.CreatedAt);

    public static async Task<Ok<ListDto[]>> Mine(ClaimsPrincipal user, HttpRequest request, IListStore listStore, CancellationToken cancellationToken)
    {
        var lists = await listStore.ListListsAsync(ApiInput.Caller(user).UserId, includeUnlisted: true, cancellationToken);
        return TypedResults.Ok(lists.Select(l => ToDto(l, null, request)).ToArray());
    }

    /// <summary>
    /// The list as JSON; its <c>url</c> is absolute when <paramref name="request"/> is given, else a path. Neuronpedia's
    /// <c>neurons</c> name each SAE by source id (from <paramref name="ids"/>); our <c>features</c> keep the folder name.
    /// </summary>
    public static ListDto ToDto(FeatureListInfo info, IReadOnlyList<FeatureListItem>? items, HttpRequest? request, SourceIdMap? ids = null) => new(
        info.Slug, $"{(request is null ? "" : $"{request.Scheme}://{request.Host}")}/list/{Uri.EscapeDataString(info.Slug)}", info.Name, info.Description,
        info.DefaultTestText, info.IsPublic, info.OwnerName, info.FeatureCount, info.CreatedAt, info.UpdatedAt,
        items?.Select(i => new ListFeatureDto(i.Feature.Model, i.Feature.Sae, i.Feature.Index, i.Note, i.AddedAt)).ToArray(),
        items?.Select(i => Neuron(info, i, ids ?? SourceIdMap.Empty)).ToArray(), FeaturesApi.Id(info.OwnerId), new UserNameDto(FeaturesApi.Id(info.OwnerId), info.OwnerName), []);

    private static ListNeuronDto Neuron(FeatureListInfo list, FeatureListItem i, SourceIdMap ids) =>
        new(i.Feature.Model, ids.Of(i.Feature.Model, i.Feature.Sae), FeaturesApi.Index(i.Feature.Index), list.Slug, i.Note, i.AddedAt, FeaturesApi.Id(list.OwnerId));

    private static async Task<List<(FeatureKey Feature, string? Note)>> ResolveAsync(SourceIds sources, List<(FeatureKey Feature, string? Note)> items, CancellationToken cancellationToken)
    {
        // One read of each model's SAEs, not one per feature: a list takes up to 100 at once.
        var byModel = new Dictionary<string, IReadOnlyList<SourceInfo>>(StringComparer.Ordinal);
        var resolved = new List<(FeatureKey, string?)>(items.Count);
        foreach (var (feature, note) in items)
        {
            if (!byModel.TryGetValue(feature.Model, out var saes))
            {
                saes = await sources.TryListAsync(feature.Model, cancellationToken) ?? [];
                byModel[feature.Model] = saes;
            }
            var name = (saes.FirstOrDefault(s => s.Sae.Name == feature.Sae) ?? saes.FirstOrDefault(s => s.Id == feature.Sae))?.Sae.Name;
            resolved.Add((name is null ? feature : feature with { Sae = name }, note));
        }
        return resolved;
    }

    private static async Task<ListDto> ReadAsync(IListStore listStore, SourceIds sources, string slug, HttpRequest request, CancellationToken cancellationToken)
    {
        var list = await listStore.GetListAsync(slug, cancellationToken) ?? throw new KeyNotFoundException($"List '{slug}' does not exist.");
        return ToDto(list.Info, list.Items, request, await sources.MapAsync(list.Items.Select(i => i.Feature.Model), cancellationToken));
    }

    private static List<(FeatureKey Feature, string? Note)> Items(FeatureRef[]? features, string field)
    {
        if (features is null || features.Length == 0) throw new ArgumentException($"{field} must name at least one feature.");
        if (features.Length > CommunityLimits.MaxListAdd) throw new ArgumentException($"{field} names {features.Length} features; at most {CommunityLimits.MaxListAdd} are allowed at once.");
        return features.Select(f => (ApiInput.Feature(f.ModelId, f.Sae, f.Index), f.Description)).ToList();
    }
}
