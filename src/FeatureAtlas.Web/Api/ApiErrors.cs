using System.Text.Json;
using FeatureAtlas.Core.Community;
using Microsoft.AspNetCore.Diagnostics;

namespace FeatureAtlas.Web.Api;

/// <summary>
/// How errors reach API callers: an unknown model, SAE, feature or list is 404, bad input 400, someone else's thing
/// 403, activations that went non-finite 422, each as ProblemDetails whose detail is our own message; anything
/// unexpected is 500 with no detail.
/// </summary>
public static partial class ApiErrors
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
        context.ProblemDetails.Detail = Detail(error);
    }

    /// <summary>
    /// Our message for an expected error. The framework's own messages for requests it could not bind name C# types
    /// and parameters ("Failed to read parameter \"NewCommentRequest body\" ..."); they are said again here in the
    /// request's terms, naming the field.
    /// </summary>
    public static string Detail(Exception error) => error switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => "The request body is larger than this endpoint accepts.",
        BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } => "The request body must be JSON (Content-Type: application/json).",
        BadHttpRequestException { InnerException: JsonException { InnerException: JsonException } } => "The request body is not valid JSON.",
        BadHttpRequestException { InnerException: JsonException { Path: { Length: > 2 } path } } => $"'{path[2..]}' has the wrong type or form for this endpoint.",
        BadHttpRequestException { InnerException: JsonException } => "The request body is not valid JSON for this endpoint: it must be an object with its fields.",
        BadHttpRequestException bad when BindFailure().Match(bad.Message) is { Success: true } m =>
            $"'{m.Groups["name"].Value}' could not be read from '{Shorten(m.Groups["value"].Value)}'.",
        BadHttpRequestException bad when RequiredMissing().Match(bad.Message) is { Success: true } m => $"'{m.Groups["name"].Value}' is required.",
        BadHttpRequestException bad when bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) => "The request needs a JSON body.",
        BadHttpRequestException => "The request could not be read.",
        _ => Rendering.UserMessages.Of(error),
    };

    private static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "…";

    [System.Text.RegularExpressions.GeneratedRegex("^Failed to bind parameter \"[^\" ]+ (?<name>[^\"]+)\" from \"(?<value>.*)\"\\.$", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex BindFailure();

    [System.Text.RegularExpressions.GeneratedRegex("^Required parameter \"[^\" ]+ (?<name>[^\"]+)\" was not provided")]
    private static partial System.Text.RegularExpressions.Regex RequiredMissing();
}
