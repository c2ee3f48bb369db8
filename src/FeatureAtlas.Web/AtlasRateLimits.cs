using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using FeatureAtlas.Web.Auth;
using Microsoft.AspNetCore.RateLimiting;

namespace FeatureAtlas.Web;

/// <summary>
/// Per-client limits (the signed-in user, else the network address) over a one-minute window: <see cref="Inference"/>
/// for anything that runs the model, <see cref="Writes"/> for comments, lists, stars and explanations. Going over
/// answers 429 with a ProblemDetails body and Retry-After. <see cref="Reads"/> bounds the JSON reads that cost a query
/// each (explanation search, lists). The inference budget is also bounded per network address and shared with the
/// pages that run the model (<see cref="AtlasBudgets"/>); sign-in attempts are bounded per address there too.
/// </summary>
public static class AtlasRateLimits
{
    /// <summary>
    /// Endpoints that run the model name this policy (<c>RequireRateLimiting(AtlasRateLimits.Inference)</c>); the
    /// global limiter charges them to <see cref="AtlasBudgets.Inference"/>, the budget the search page spends too.
    /// </summary>
    public const string Inference = "inference";
    public const string Writes = "writes";
    public const string Reads = "reads";

    public static IServiceCollection AddAtlasRateLimits(this IServiceCollection services, AtlasWebOptions options)
    {
        var budgets = new AtlasBudgets(options);
        services.AddSingleton(budgets);
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Charged by the global limiter below (per client and per address), so the policy itself adds nothing.
            limiter.AddPolicy(Inference, _ => RateLimitPartition.GetNoLimiter(""));
            limiter.AddPolicy(Writes, context => Window(context, Writes, options.WritesPerMinute));
            limiter.AddPolicy(Reads, context => Window(context, Reads, options.ReadsPerMinute));
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                // Every form post on a page counts against the client's write budget.
                PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    HttpMethods.IsPost(context.Request.Method) && !context.Request.Path.StartsWithSegments("/api")
                        ? Window(context, Writes, options.WritesPerMinute)
                        : RateLimitPartition.GetNoLimiter("")),
                budgets.ForEndpoints(RunsInference));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var seconds = AtlasBudgets.RetrySeconds(rejected.Lease);
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await Results.Problem(
                    title: "Too many requests",
                    detail: $"This client has made too many requests of this kind in the last minute; retry in {seconds} s.",
                    statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(rejected.HttpContext);
            };
        });
        return services;
    }

    /// <summary>Whether the request's endpoint runs the model (it names the <see cref="Inference"/> policy).</summary>
    public static bool RunsInference(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == Inference;

    /// <summary>Who a request counts against: the signed-in user, else its network address.</summary>
    public static string Client(HttpContext context) =>
        context.User.UserId() is { } id ? "user:" + id.ToString(CultureInfo.InvariantCulture) : NetworkAddress(context);

    /// <summary>
    /// The sender's network: its IPv4 address, or the /64 of an IPv6 address (one host is usually given a whole /64,
    /// so counting single IPv6 addresses would let it multiply any budget).
    /// </summary>
    public static string NetworkAddress(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null) return "address:unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return "address:" + address;
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return "address:" + new IPAddress(bytes) + "/64";
    }

    internal static RateLimitPartition<string> Window(string key, int permits) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });

    private static RateLimitPartition<string> Window(HttpContext context, string policy, int permits) =>
        Window($"{policy}|{Client(context)}", permits);
}
