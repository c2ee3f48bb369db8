using System.Text;
using System.Text.Json;

namespace FeatureAtlas.Web;

/// <summary>
/// Refuses malformed input before any page or endpoint sees it, each as a ProblemDetails answer and a warning in the
/// log (never a 500): a NUL character in the path or query; a page form that cannot be read (over 1 MiB: 413; over
/// 1,024 fields or a field name over 2,048 characters: 400) or that holds a NUL; and API JSON whose text holds a NUL
/// or invalid UTF-16 (a lone surrogate, which JSON can spell as <c>\ud800</c>), naming the field. NUL is refused
/// everywhere because PostgreSQL cannot store it and no name or text here needs it. A feature page read costs two
/// scans of its short URL.
/// </summary>
public static partial class InputGuard
{
    public static IApplicationBuilder UseInputGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (request.Path.Value is { } path && path.Contains('\0', StringComparison.Ordinal))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "The address holds a NUL character (%00); no name here may contain one.");
            return;
        }
        if (request.QueryString.Value is { } query && query.Contains("%00", StringComparison.Ordinal))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "The query holds a NUL character (%00); no text here may contain one.");
            return;
        }
        var refusal = request.Path.StartsWithSegments("/api") ? await CheckJsonAsync(context) : await CheckFormAsync(context);
        if (refusal is { } r)
        {
            await RefuseAsync(context, r.Status, r.Detail);
            return;
        }
        await next(context);
    });

    private static async Task<(int Status, string Detail)?> CheckFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType) return null;
        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (e.StatusCode, TooLarge(context));
        }
        catch (BadHttpRequestException e)
        {
            return (e.StatusCode, "The form could not be read: the request body is malformed.");
        }
        catch (InvalidDataException)
        {
            return (StatusCodes.Status400BadRequest, "The form could not be read: a form may have at most 1,024 fields, with names of at most 2,048 characters.");
        }
        foreach (var (key, values) in form)
        {
            if (key.Contains('\0', StringComparison.Ordinal)) return (StatusCodes.Status400BadRequest, "A form field's name holds a NUL character; no name here may contain one.");
            foreach (var value in values)
            {
                if (value is not null && value.Contains('\0', StringComparison.Ordinal)) return (StatusCodes.Status400BadRequest, $"Form field '{Shown(key)}' holds a NUL character; no text here may contain one.");
            }
        }
        return null;
    }

    /// <summary>Reads a JSON body once (within the endpoint's size limit) and checks every string in it; the endpoint then reads it again.</summary>
    private static async Task<(int Status, string Detail)?> CheckJsonAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.HasJsonContentType() || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) return null;
        request.EnableBuffering();
        // Sized from Content-Length when it is within the limit, and checked in place: one copy of the body, not three.
        var limit = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        var expected = request.ContentLength is { } length && length <= (limit ?? int.MaxValue) && length < Array.MaxLength ? (int)length : 0;
        using var body = new MemoryStream(expected);
        try
        {
            await request.Body.CopyToAsync(body, context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (e.StatusCode, TooLarge(context));
        }
        request.Body.Position = 0;
        return Check(body.GetBuffer().AsSpan(0, (int)body.Length)) is { } detail ? (StatusCodes.Status400BadRequest, detail) : null;
    }

    /// <summary>The first string in <paramref name="json"/> that holds a NUL or invalid UTF-16, as a message naming its field; null when all are well formed (or the JSON is malformed, which the endpoint reports).</summary>
    public static string? Check(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var field = "(the top level)";
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName)) continue;
                var isName = reader.TokenType == JsonTokenType.PropertyName;
                string text;
                try
                {
                    text = reader.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    return isName
                        ? "A property name in the request holds invalid UTF-16 (a lone surrogate such as \\ud800); send well-formed text."
                        : $"'{field}' holds invalid UTF-16 (a lone surrogate such as \\ud800); send well-formed text.";
                }
                if (text.Contains('\0', StringComparison.Ordinal))
                {
                    return isName ? "A property name in the request holds a NUL character." : $"'{field}' holds a NUL character (\\u0000); no text here may contain one.";
                }
                if (isName) field = Shown(text);
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return null;
    }

    private static string TooLarge(HttpContext context)
    {
        var limit = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        return limit is { } bytes
            ? $"The request body is larger than this address accepts ({bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes)."
            : "The request body is larger than this address accepts.";
    }

    private static string Shown(string name) => name.Length <= 64 ? name : name[..64] + "…";

    private static async Task RefuseAsync(HttpContext context, int status, string detail)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(InputGuard).FullName!);
        LogRefused(logger, context.Request.Method, context.Request.Path.Value?.Replace("\0", "\\0", StringComparison.Ordinal), status, detail);
        await Results.Problem(title: status == StatusCodes.Status413PayloadTooLarge ? "Request too large" : "Malformed request", detail: detail, statusCode: status)
            .ExecuteAsync(context);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Method} {Path}: {Status} {Detail}")]
    private static partial void LogRefused(ILogger logger, string method, string? path, int status, string detail);
}
