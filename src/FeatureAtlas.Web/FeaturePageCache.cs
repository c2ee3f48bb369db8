using Microsoft.AspNetCore.OutputCaching;

namespace FeatureAtlas.Web;

/// <summary>
/// Output caching of feature pages for anonymous readers: the rendered page is kept for <see cref="Lifetime"/>,
/// varied by host and by the <c>embed</c>, <c>text</c> and <c>context</c> query values, and tagged with the feature so a star,
/// comment, explanation, vote or list addition posted on the page evicts it at once. Any other successful write to
/// this site (the JSON API, a list page) evicts every cached feature page (<see cref="UseFeaturePageEviction"/>):
/// writes are rare beside reads, and a page must never show less than its reader just wrote. Signed-in readers (cookie or API key)
/// are never served from or stored into the cache: their page shows their own star, votes and lists. Writes from
/// another process (a dashboard rebuild by the CLI) show within the lifetime. A page is stored only on its second
/// request within the lifetime (<see cref="RecentRequests"/>): popular features cost about two renders per lifetime,
/// and the long tail of features read once (uniformly random traffic over 600k features, as in the load test) does
/// not copy every page into the cache only to push out the popular ones.
/// </summary>
public static class FeaturePageCache
{
    public const string PolicyName = "feature-page";

    public static TimeSpan Lifetime { get; } = TimeSpan.FromSeconds(30);

    public static IServiceCollection AddFeaturePageCache(this IServiceCollection services) =>
        services.AddOutputCache(o =>
        {
            o.SizeLimit = 256L << 20;   // ~1,200 pages of ~200 KB
            o.AddPolicy(PolicyName, new Policy());
        });

    /// <summary>The tag every cached feature page carries.</summary>
    public const string AllTag = "feature-pages";

    /// <summary>
    /// After any successful POST, PUT, PATCH or DELETE, drops every cached feature page, unless its endpoint carries
    /// <see cref="LeavesPagesUnchanged"/> (a read with a body, live inference): otherwise every "test this feature" or
    /// search would empty the cache, and under steady inference traffic pages would never be served from it (measured:
    /// 4 connections of activation/new cut the demo's page throughput from ~1,950/s to ~600/s).
    /// </summary>
    public static IApplicationBuilder UseFeaturePageEviction(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        await next(context);
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)) return;
        if (context.GetEndpoint()?.Metadata.GetMetadata<LeavesPagesUnchanged>() is not null) return;
        if (context.Response.StatusCode >= 400) return;
        var cache = context.RequestServices.GetRequiredService<IOutputCacheStore>();
        await cache.EvictByTagAsync(AllTag, CancellationToken.None);
    });

    /// <summary>
    /// Endpoint metadata for a POST that stores nothing a feature page shows (reads with a JSON body, live
    /// inference): it evicts no cached page. Writes, and inference that stores its result (an explanation generated
    /// or scored, a graph), must not carry it.
    /// </summary>
    public sealed class LeavesPagesUnchanged
    {
        public static LeavesPagesUnchanged Instance { get; } = new();

        private LeavesPagesUnchanged()
        {
        }
    }

    /// <summary>The tag of a feature's cached pages.</summary>
    public static string Tag(string model, string sae, int index) => $"feature:{model}/{sae}/{index}";

    private sealed class Policy : IOutputCachePolicy
    {
        private readonly RecentRequests _recent = new(slots: 1 << 16, Lifetime);

        ValueTask IOutputCachePolicy.CacheRequestAsync(OutputCacheContext context, CancellationToken cancellationToken)
        {
            var http = context.HttpContext;
            var anonymous = http.User.Identity?.IsAuthenticated != true && !http.Request.Headers.ContainsKey("x-api-key");
            var cacheable = anonymous && (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method));
            context.EnableOutputCaching = true;
            context.AllowCacheLookup = cacheable;
            context.AllowCacheStorage = cacheable && _recent.SeenBefore(http.Request.Host.Value + http.Request.Path.Value + http.Request.QueryString.Value);
            context.AllowLocking = true;
            context.ResponseExpirationTimeSpan = Lifetime;
            context.CacheVaryByRules.VaryByHost = true;
            context.CacheVaryByRules.QueryKeys = new(["embed", "text", "context"]);
            context.Tags.Add(AllTag);
            var route = http.Request.RouteValues;
            if (route["model"] is string model && route["sae"] is string sae && int.TryParse(route["index"] as string, out var index))
            {
                context.Tags.Add(Tag(model, sae, index));
            }
            return ValueTask.CompletedTask;
        }

        ValueTask IOutputCachePolicy.ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        ValueTask IOutputCachePolicy.ServeResponseAsync(OutputCacheContext context, CancellationToken cancellationToken)
        {
            // Only whole successful pages without cookies: never a 404, an error page or a response that signs someone in.
            var response = context.HttpContext.Response;
            if (response.StatusCode != StatusCodes.Status200OK || response.Headers.SetCookie.Count > 0) context.AllowCacheStorage = false;
            return ValueTask.CompletedTask;
        }
    }
}
