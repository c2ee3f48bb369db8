using FeatureAtlas.Data.Social;
using Microsoft.AspNetCore.Diagnostics;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// How errors reach API callers: an unknown model, SAE, feature or list is 404, bad input 400, someone else's thing
/// 403, activations that went non-finite 422, each as ProblemDetails whose detail is our own message; anything
/// unexpected is 500 with no detail.
/// </summary>
public static class ApiErrors
{
    public static int StatusFor(Exception exception) => exception switch
    {
        KeyNotFoundException => StatusCodes.Status404NotFound,
        Core.Runtime.ModelUnavailableException or Core.Runtime.ModelBusyException => StatusCodes.Status503ServiceUnavailable,
        ForbiddenException => StatusCodes.Status403Forbidden,
        // The model or SAE overflows on this text: nothing to report in JSON, and the request itself was well formed.
        Core.Tensors.NonFiniteValuesException => StatusCodes.Status422UnprocessableEntity,
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
        if (error is Core.Tensors.NonFiniteValuesException) context.ProblemDetails.Title = Core.Tensors.NonFiniteValuesException.Title;
        context.ProblemDetails.Detail = error is ArgumentException { ParamName: { } name } argument
            ? argument.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal)
            : error.Message;
    }
}
