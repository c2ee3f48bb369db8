namespace FeatureAtlas.Web;

/// <summary>
/// Headers on every page: scripts only from this site (no inline script, so injected markup cannot run), no MIME
/// sniffing, no referrer to other sites. Pages may be framed by anyone only in embed mode (<c>?embed=true</c>).
/// </summary>
public static class SecurityHeaders
{
    private const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'";

    public static IApplicationBuilder UseAtlasSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            if (context.Request.Path.StartsWithSegments("/api-doc")) return Task.CompletedTask;
            var embed = string.Equals(context.Request.Query["embed"], "true", StringComparison.OrdinalIgnoreCase);
            headers.ContentSecurityPolicy = Policy + (embed ? "; frame-ancestors *" : "; frame-ancestors 'self'");
            if (!embed) headers.XFrameOptions = "SAMEORIGIN";
            return Task.CompletedTask;
        });
        return next(context);
    });
}
