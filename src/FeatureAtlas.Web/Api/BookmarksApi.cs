using System.Security.Claims;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

/// <summary><c>/api/bookmark/add</c> and <c>/delete</c>: the caller's star on a feature (Neuronpedia calls stars bookmarks).</summary>
public static class BookmarksApi
{
    public const int MaxListed = 10_000;

    public static IEndpointRouteBuilder MapBookmarksApi(this IEndpointRouteBuilder api)
    {
        var bookmarks = api.MapGroup("/bookmark");
        bookmarks.MapPost("/add", Add).AsWrite()
            .WithSummary("Stars a feature for the caller; starring twice is one star.");
        bookmarks.MapPost("/delete", Delete).AsWrite()
            .WithSummary("Removes the caller's star from a feature, if any.");
        api.MapPost("/user/bookmarks", Mine).AsRead().RequireAuthorization(Auth.AtlasAuthExtensions.SignedIn)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary($"The caller's bookmarks (stars), newest first, at most {MaxListed}.");
        return api;
    }

    public static async Task<Ok<BookmarkDto>> Add(FeatureRef body, ClaimsPrincipal user, ISocialStore socialStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var feature = await sources.KeyAsync(ApiInput.Feature(body.ModelId, body.Sae, body.Index), cancellationToken);
        var count = await socialStore.StarAsync(ApiInput.Caller(user), feature, cancellationToken);
        return TypedResults.Ok(new BookmarkDto(feature.Model, await sources.IdOfAsync(feature.Model, feature.Sae, cancellationToken), feature.Index, Bookmarked: true, count));
    }

    public static async Task<Ok<BookmarkDto>> Delete(FeatureRef body, ClaimsPrincipal user, ISocialStore socialStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var feature = await sources.KeyAsync(ApiInput.Feature(body.ModelId, body.Sae, body.Index), cancellationToken);
        var count = await socialStore.UnstarAsync(ApiInput.Caller(user), feature, cancellationToken);
        return TypedResults.Ok(new BookmarkDto(feature.Model, await sources.IdOfAsync(feature.Model, feature.Sae, cancellationToken), feature.Index, Bookmarked: false, count));
    }

    public static async Task<Ok<UserBookmarkDto[]>> Mine(ClaimsPrincipal user, ISocialStore socialStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var caller = ApiInput.Caller(user);
        var stars = await socialStore.ListStarsAsync(caller.UserId, MaxListed, cancellationToken);
        var ids = await sources.MapAsync(stars.Select(k => k.Model), cancellationToken);
        return TypedResults.Ok(stars.Select(k => new UserBookmarkDto(k.Model, ids.Of(k.Model, k.Sae), FeaturesApi.Index(k.Index), FeaturesApi.Id(caller.UserId))).ToArray());
    }
}
