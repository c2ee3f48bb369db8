using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Auth;
using FeatureAtlas.Web.Api.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// <c>GET /api/jobs</c>: the signed-in user's long jobs (an admin's: everyone's) with live progress, newest first;
/// <c>POST /api/jobs/{id}/cancel</c>: its owner or an admin cancels one.
/// </summary>
public static class JobsApi
{
    private const int Newest = 100;

    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/jobs", List).RequireAuthorization(AtlasAuthExtensions.SignedIn)
            .WithSummary("Your jobs (an admin's: everyone's), newest first, with stage and units done of total.");
        api.MapPost("/jobs/{id:long}/cancel", Cancel).RequireAuthorization(AtlasAuthExtensions.SignedIn)
            .WithSummary("Cancel a job of yours: its running pieces stop within seconds and nothing it would have stored is stored.");
        return api;
    }

    public static async Task<Ok<JobDto[]>> List(HttpContext context, IJobStore jobs, CancellationToken cancellationToken)
    {
        var actor = context.User.ToActor()!;
        var list = await jobs.ListJobsAsync(actor.IsAdmin ? null : actor.UserId, Newest, cancellationToken);
        return TypedResults.Ok(list.Select(JobDto.Of).ToArray());
    }

    public static async Task<Results<Ok<JobDto>, NotFound, ForbidHttpResult>> Cancel(long id, HttpContext context, IJobStore jobs, CancellationToken cancellationToken)
    {
        var actor = context.User.ToActor()!;
        var job = await jobs.GetJobAsync(id, cancellationToken);
        if (job is null || (!actor.IsAdmin && job.UserId != actor.UserId)) return TypedResults.NotFound();
        await jobs.CancelJobAsync(id, cancellationToken);
        return TypedResults.Ok(JobDto.Of((await jobs.GetJobAsync(id, cancellationToken))!));
    }
}
