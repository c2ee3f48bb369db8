namespace FeatureAtlas.Web.Api;

/// <summary>
/// Keeps <c>/api/*</c> paths to the API: a path there that no API endpoint serves would otherwise be matched by a page
/// route (<c>/{model}/{sae}</c>), and a POST to it refused as a form without its antiforgery token (a bare 400). With
/// the match dropped, it is a 404 ProblemDetails whatever the method.
/// </summary>
public static class ApiNotFound
{
    public static IApplicationBuilder UseApiNotFound(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/api")
            && context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } pattern }
            && !pattern.TrimStart('/').StartsWith("api/", StringComparison.OrdinalIgnoreCase))
        {
            context.SetEndpoint(null);
        }
        return next(context);
    });
}
