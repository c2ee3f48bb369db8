using FeatureAtlas.Data.Social;
using Microsoft.AspNetCore.Diagnostics;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// How errors reach API callers: an unknown model, SAE, feature or list is 404, bad input 400, someone else's thing
/// 403, each as ProblemDetails whose detail is our own message; anything unexpected is 500 with no detail.
/// </summary>
public static class ApiErrors
{
    public static int StatusFor(Exception exception) => exception switch
    {
        KeyNotFoundException => StatusCodes.Status404NotFound,
        Inference.InferenceUnavailableException => StatusCodes.Status503ServiceUnavailable,
        ForbiddenException => StatusCodes.Status403Forbidden,
        ArgumentException or InvalidDataException or FormatException => StatusCodes.Status400BadRequest,
        BadHttpRequestException bad => bad.StatusCode,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>Puts our message (never a stack trace) into the ProblemDetails of an expected error.</summary>
    public static void Describe(ProblemDetailsContext context)
    {
        var error = context.HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (error is null) return;
        var status = StatusFor(error);
        if (status == StatusCodes.Status500InternalServerError) return;
        context.ProblemDetails.Detail = Rendering.UserMessages.Of(error);
    }
}
