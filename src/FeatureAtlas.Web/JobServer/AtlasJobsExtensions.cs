using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Jobs.Queue;
using FeatureAtlas.Web.Auth;
using Hangfire;
using Hangfire.Dashboard;

namespace FeatureAtlas.Web.JobServer;

/// <summary>
/// The site's job engine: a Hangfire server in the site's process (over Hangfire.PostgreSql on PostgreSQL, where
/// <c>atlas worker</c> processes on other machines share the queue, and over in-memory storage on SQLite, where the
/// <c>jobs</c> table is the durable queue), and Hangfire's dashboard at <c>/admin/jobs</c> for admins only.
/// </summary>
public static class AtlasJobsExtensions
{
    public const string DashboardPath = "/admin/jobs";

    public static IServiceCollection AddAtlasJobs(this IServiceCollection services, AtlasStores store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var storage = store.Database.Provider == AtlasProvider.Postgres ? AtlasJobStorage.Postgres(store.Database.ConnectionString) : AtlasJobStorage.InMemory();
        services.AddSingleton(storage);
        // The dashboard's services (it is given this storage); Hangfire's global log provider is set to one that
        // outlives this site (see QuietHangfireLog).
        services.AddHangfire(c => c.UseLogProvider(new QuietHangfireLog()));
        services.AddHostedService(_ => new InProcessJobServer(store, storage));
        return services;
    }

    /// <summary>Hangfire's dashboard for admins: the endpoint's policy challenges anyone else, and the dashboard checks the role again.</summary>
    public static IEndpointRouteBuilder MapAtlasJobsDashboard(this IEndpointRouteBuilder app)
    {
        var storage = app.ServiceProvider.GetRequiredService<JobStorage>();
        var options = new DashboardOptions
        {
            Authorization = [new AdminOnly()],
            AppPath = "/",
            DashboardTitle = "FeatureAtlas jobs",
            DisplayStorageConnectionString = false,
        };
        app.MapHangfireDashboard(DashboardPath, options, storage).RequireAuthorization(AtlasClaims.AdminRole);
        return app;
    }

    private sealed class AdminOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(AtlasClaims.AdminRole);
    }
}
