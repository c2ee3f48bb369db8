using System.Globalization;
using System.Threading.RateLimiting;

namespace FeatureAtlas.Web;

/// <summary>
/// Sheds load instead of queueing it without bound: at most <see cref="AtlasWebOptions.MaxConcurrentRequests"/>
/// requests are worked on at once and at most <see cref="AtlasWebOptions.MaxQueuedRequests"/> wait for a turn (oldest
/// first); past that a request is answered at once with 503, a ProblemDetails body and <c>Retry-After</c>, so the
/// server's memory stays bounded by the requests it holds and it recovers as soon as the load drops. Requests that run
/// the model are left out: they wait in the model's own bounded queue (<c>FairWorkQueue</c>, 503 when full) and their
/// per-client budget (429), so a burst of inference never takes the permits page reads need.
/// </summary>
public static class OverloadShedding
{
    /// <summary>Seconds a shed client is asked to wait: the queue drains within a second at the site's page rate.</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>After routing (inference endpoints are known by their rate-limit policy), before authentication and the pages.</summary>
    public static IApplicationBuilder UseOverloadShedding(this IApplicationBuilder app, AtlasWebOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxConcurrentRequests,
            QueueLimit = options.MaxQueuedRequests,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        return app.Use(async (context, next) =>
        {
            if (AtlasRateLimits.RunsInference(context))
            {
                await next(context);
                return;
            }
            using var lease = limiter.AttemptAcquire() is { IsAcquired: true } now ? now : await limiter.AcquireAsync(1, context.RequestAborted);
            if (!lease.IsAcquired)
            {
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await Results.Problem(
                    title: "Server busy",
                    detail: $"The server is answering as many requests as it can; retry in {RetryAfterSeconds} s.",
                    statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
                return;
            }
            await next(context);
        });
    }
}
