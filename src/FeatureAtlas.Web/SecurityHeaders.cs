namespace FeatureAtlas.Web;

/// <summary>
/// Headers on every answer: scripts only from this site (no inline script, so injected markup cannot run), no MIME
/// sniffing, no referrer to other sites, no camera, microphone, location or other powerful browser features. Only
/// pages marked <see cref="EmbeddableAttribute"/> (a feature, a list, the steering page) may be framed by other sites, and only in embed
/// mode (<c>?embed=true</c>); every other page, sign-in, settings and the API documentation included, may be framed
/// by this site alone.
/// </summary>
public static class SecurityHeaders
{
    private const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'";

    /// <summary>Browser features no page here uses, turned off for the page and anything it frames.</summary>
    public const string PermissionsPolicy =
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), interest-cohort=()";

    public static IApplicationBuilder UseAtlasSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            headers["Permissions-Policy"] = PermissionsPolicy;
            var embed = context.GetEndpoint()?.Metadata.GetMetadata<EmbeddableAttribute>() is not null
                && string.Equals(context.Request.Query["embed"], "true", StringComparison.OrdinalIgnoreCase);
            headers.ContentSecurityPolicy = Policy + (embed ? "; frame-ancestors *" : "; frame-ancestors 'self'");
            if (embed) headers.Remove("X-Frame-Options");
            else headers.XFrameOptions = "SAMEORIGIN";
            return Task.CompletedTask;
        });
        return next(context);
    });
}
