using System.Threading.RateLimiting;
using FeatureAtlas.Web.Auth;
using Microsoft.AspNetCore.RateLimiting;

namespace FeatureAtlas.Web;

/// <summary>
/// Per-client limits (the signed-in user, else the IP address) over a one-minute window: <see cref="Inference"/> for
/// anything that runs the model, <see cref="Writes"/> for comments, lists, stars and explanations. Going over answers
/// 429 with a ProblemDetails body and Retry-After. <see cref="Reads"/> bounds the JSON reads that cost a query each
/// (explanation search, lists).
/// </summary>
public static class AtlasRateLimits
{
    public const string Inference = "inference";
    public const string Writes = "writes";
    public const string Reads = "reads";

    public static IServiceCollection AddAtlasRateLimits(this IServiceCollection services, AtlasWebOptions options)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Inference, context => Window(context, Inference, options.InferencePerMinute));
            limiter.AddPolicy(Writes, context => Window(context, Writes, options.WritesPerMinute));
            limiter.AddPolicy(Reads, context => Window(context, Reads, options.ReadsPerMinute));
            // Every form post on a page (sign-in included) counts against the client's write budget.
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                HttpMethods.IsPost(context.Request.Method) && !context.Request.Path.StartsWithSegments("/api")
                    ? Window(context, Writes, options.WritesPerMinute)
                    : RateLimitPartition.GetNoLimiter(""));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var response = rejected.HttpContext.Response;
                if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
                {
                    response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                await Results.Problem(
                    title: "Too many requests",
                    detail: "This client has made too many requests of this kind in the last minute; wait and try again.",
                    statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(rejected.HttpContext);
            };
        });
        return services;
    }

    private static RateLimitPartition<string> Window(HttpContext context, string policy, int permits)
    {
        var client = context.User.UserId() is { } id ? $"user:{id}" : $"ip:{context.Connection.RemoteIpAddress}";
        return RateLimitPartition.GetFixedWindowLimiter($"{policy}|{client}", _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }
}
