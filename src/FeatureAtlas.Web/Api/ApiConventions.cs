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

    /// <summary>A read anyone may make: the read rate limit, a small body and the errors it can answer.</summary>
    public static RouteHandlerBuilder AsRead(this RouteHandlerBuilder endpoint) => endpoint
        .RequireRateLimiting(AtlasRateLimits.Reads)
        .WithMetadata(new RequestSizeLimitAttribute(SmallBody))
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound);
}
