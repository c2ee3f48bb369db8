using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages;

/// <summary>The page shown for a missing page or an error: a status and a plain sentence, never a stack trace.</summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public string Title { get; private set; } = "Something went wrong";

    public string Message { get; private set; } = "The server could not complete this request. Please try again later.";

    // No bound parameters: a form that could not be read must not be read again here.
    public void OnGet() => Describe();

    public void OnPost() => Describe();

    private void Describe()
    {
        // ?status= from the status-code pages; else the status the exception handler chose; else a server error.
        var code = int.TryParse(Request.Query["status"], System.Globalization.CultureInfo.InvariantCulture, out var s) && s >= 400 ? s
            : Response.StatusCode >= 400 ? Response.StatusCode
            : StatusCodes.Status500InternalServerError;
        Response.StatusCode = code;
        (Title, Message) = code switch
        {
            404 => ("Not found", "There is nothing at this address. The model, SAE, feature or list may not exist."),
            403 => ("Not allowed", "You cannot change this: it belongs to another user."),
            400 => ("Bad request", "The request could not be understood."),
            413 => ("Too large", "The request is larger than this site accepts."),
            429 => ("Too many requests", "Please wait a minute and try again."),
            _ => (Title, Message),
        };
    }
}
