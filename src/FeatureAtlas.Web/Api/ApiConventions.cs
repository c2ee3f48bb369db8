using FeatureAtlas.Web.Auth;
using Microsoft.AspNetCore.Mvc;

namespace FeatureAtlas.Web.Api;

/// <summary>What every write endpoint has in common: a signed-in caller, the write rate limit, a small body, and the errors it can answer.</summary>
public static class ApiConventions
{
    /// <summary>Bodies of a comment, explanation, list header or a few features fit well inside this.</summary>
    public const long SmallBody = 16 * 1024;

    /// <summary>100 features with 1,000-character notes, in JSON.</summary>
    public const long ListBody = 256 * 1024;

    /// <summary>
    /// Requires a cookie or a valid <c>x-api-key</c> (401 otherwise), counts against <see cref="AtlasRateLimits.Writes"/>
    /// (429 when over), caps the request body (413) and documents the ProblemDetails answers.
    /// </summary>
    public static RouteHandlerBuilder AsWrite(this RouteHandlerBuilder endpoint, long maxBody = SmallBody) => endpoint
        .RequireAuthorization(AtlasAuthExtensions.SignedIn)
        .RequireRateLimiting(AtlasRateLimits.Writes)
        .WithMetadata(new RequestSizeLimitAttribute(maxBody))
        .Accepts<object>("application/json")
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status429TooManyRequests);

    /// <summary>
    /// A request that runs the model, which anyone may make: the inference rate limit (429), a body of at most
    /// <paramref name="maxBody"/> bytes (413), and the errors it can answer (503: the model's queue is full).
    /// </summary>
    public static RouteHandlerBuilder AsInference(this RouteHandlerBuilder endpoint, long maxBody) => endpoint
        .WithInferenceLimits(maxBody)
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <summary>
    /// The inference rate limit and a body limit, for an endpoint or a group of endpoints that run the model and store
    /// nothing a feature page shows (so they leave cached pages in place). Inference that stores its result (an
    /// explanation, a graph) names the rate limit itself instead.
    /// </summary>
    public static TBuilder WithInferenceLimits<TBuilder>(this TBuilder endpoints, long maxBody) where TBuilder : IEndpointConventionBuilder => endpoints
        .RequireRateLimiting(AtlasRateLimits.Inference)
        .WithMetadata(new RequestSizeLimitAttribute(maxBody), FeaturePageCache.LeavesPagesUnchanged.Instance);

    /// <summary>A read anyone may make: the read rate limit, a small body and the errors it can answer.</summary>
    public static RouteHandlerBuilder AsRead(this RouteHandlerBuilder endpoint) => endpoint
        .RequireRateLimiting(AtlasRateLimits.Reads)
        .WithMetadata(new RequestSizeLimitAttribute(SmallBody), FeaturePageCache.LeavesPagesUnchanged.Instance)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound);
}
