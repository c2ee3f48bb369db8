using System.Security.Claims;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

/// <summary><c>/api/comment/new</c> and <c>/delete</c>: Markdown comments on features; only the author or an admin deletes one.</summary>
public static class CommentsApi
{
    public static IEndpointRouteBuilder MapCommentsApi(this IEndpointRouteBuilder api)
    {
        var comments = api.MapGroup("/comment");
        comments.MapPost("/new", New).AsWrite()
            .WithSummary($"Comments on a feature (Markdown, 1 to {CommunityLimits.MaxComment} characters).");
        comments.MapPost("/delete", Delete).AsWrite()
            .WithSummary("Deletes one of the caller's comments (admins: anyone's), named by id (or commentId); answers {message: \"ok\"}.");
        return api;
    }

    public static async Task<Ok<CommentDto>> New(NewCommentRequest body, ClaimsPrincipal user, ISocialStore socialStore, SourceIds sources, CancellationToken cancellationToken)
    {
        var feature = await sources.KeyAsync(ApiInput.Feature(body.ModelId, body.Layer, body.Index), cancellationToken);
        var comment = await socialStore.AddCommentAsync(ApiInput.Caller(user), feature, body.Text ?? "", cancellationToken);
        return TypedResults.Ok(ToDto(comment, await sources.IdOfAsync(feature.Model, feature.Sae, cancellationToken)));
    }

    public static async Task<Ok<MessageDto>> Delete(CommentIdRequest body, ClaimsPrincipal user, ISocialStore socialStore, CancellationToken cancellationToken)
    {
        var id = ApiInput.Required(body.Id ?? body.CommentId, "id (or commentId)");
        if (!await socialStore.DeleteCommentAsync(ApiInput.Caller(user), id, cancellationToken)) throw new KeyNotFoundException($"Comment {id} does not exist.");
        return TypedResults.Ok(new MessageDto("ok"));
    }

    /// <summary>A comment as Neuronpedia's row, its SAE named <paramref name="sourceId"/> (the source id).</summary>
    public static CommentDto ToDto(CommentInfo c, string sourceId) => new(
        c.Id, c.Feature.Model, sourceId, FeaturesApi.Index(c.Feature.Index), c.Text, FeaturesApi.Id(c.UserId),
        new UserNameDto(FeaturesApi.Id(c.UserId), c.UserName), c.UserName, c.CreatedAt);
}
