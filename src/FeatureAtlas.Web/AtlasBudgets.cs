using System.Threading.RateLimiting;

namespace FeatureAtlas.Web;

/// <summary>
/// Budgets that pages spend themselves, so that going over shows the page with a message (and 429) rather than a
/// bare error: <see cref="Inference"/>, shared by the search page and every inference endpoint (per client, and per
/// network address so that many accounts from one address do not multiply it), and <see cref="SignIns"/>, sign-in
/// and sign-up attempts per network address whichever accounts they name.
/// </summary>
public sealed class AtlasBudgets : IDisposable
{
    private readonly PartitionedRateLimiter<HttpContext> _inference;
    private readonly PartitionedRateLimiter<HttpContext> _signIns;

    public AtlasBudgets(AtlasWebOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The client's own budget first: a client already over it is refused without spending its address's.
        _inference = PartitionedRateLimiter.CreateChained(
            PartitionedRateLimiter.Create<HttpContext, string>(c => AtlasRateLimits.Window("inference|" + AtlasRateLimits.Client(c), options.InferencePerMinute)),
            PartitionedRateLimiter.Create<HttpContext, string>(c => AtlasRateLimits.Window("inference|" + AtlasRateLimits.NetworkAddress(c), options.InferencePerAddressPerMinute)));
        _signIns = PartitionedRateLimiter.Create<HttpContext, string>(c => AtlasRateLimits.Window("sign-in|" + AtlasRateLimits.NetworkAddress(c), options.SignInsPerMinute));
    }

    /// <summary>Spends one inference request; null when allowed, else the seconds to wait.</summary>
    public int? Inference(HttpContext context) => Spend(_inference, context);

    /// <summary>Spends one sign-in (or sign-up) attempt of the request's network address; null when allowed, else the seconds to wait.</summary>
    public int? SignIns(HttpContext context) => Spend(_signIns, context);

    /// <summary>The inference budget as a limiter that charges only the requests <paramref name="runsInference"/> picks.</summary>
    public PartitionedRateLimiter<HttpContext> ForEndpoints(Func<HttpContext, bool> runsInference) => new Selective(_inference, runsInference);

    /// <summary>Whole seconds until a refused lease may succeed (at least 1).</summary>
    public static int RetrySeconds(RateLimitLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)) : 60;
    }

    private static int? Spend(PartitionedRateLimiter<HttpContext> limiter, HttpContext context)
    {
        using var lease = limiter.AttemptAcquire(context);
        if (lease.IsAcquired) return null;
        var seconds = RetrySeconds(lease);
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return seconds;
    }

    public void Dispose()
    {
        _inference.Dispose();
        _signIns.Dispose();
    }

    /// <summary>Applies <c>inner</c> to the requests <c>applies</c> picks and lets every other request through.</summary>
    private sealed class Selective(PartitionedRateLimiter<HttpContext> inner, Func<HttpContext, bool> applies) : PartitionedRateLimiter<HttpContext>
    {
        private static readonly PartitionedRateLimiter<HttpContext> s_none = PartitionedRateLimiter.Create<HttpContext, string>(_ => RateLimitPartition.GetNoLimiter(""));

        public override RateLimiterStatistics? GetStatistics(HttpContext resource) =>
            applies(resource) ? inner.GetStatistics(resource) : null;

        protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) =>
            (applies(resource) ? inner : s_none).AttemptAcquire(resource, permitCount);

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
            (applies(resource) ? inner : s_none).AcquireAsync(resource, permitCount, cancellationToken);
    }
}
