using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Web.Api;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Auth;
using FeatureAtlas.Web.Inference;
using FeatureAtlas.Web.JobServer;
using FeatureAtlas.Web.Rendering;
using FeatureAtlas.Web.Steering;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;

namespace FeatureAtlas.Web;

/// <summary>
/// Builds the FeatureAtlas site: Razor Pages, the Neuronpedia-shaped JSON API, accounts and live inference, over
/// one atlas database. Used by <c>atlas serve</c>, by this project's own entry point, and by the web tests.
/// </summary>
public static class AtlasWebHost
{
    public static async Task<WebApplication> BuildAsync(AtlasWebOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var stores = await AtlasDatabase.OpenAsync(options.Db, cancellationToken);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // Razor Pages are found in this assembly whichever program hosts it.
            ApplicationName = typeof(AtlasWebHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 1 << 20;
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        // Logs (and any exception's stack trace in them) go to stderr: stdout carries only what the commands print.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // A failed start (a port taken after all) is reported by the caller in one line; the host's own error log of
        // it is a 3 KB stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (options.RequestLogging) builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Information);
        if (options.LoggerProvider is { } provider) builder.Logging.AddProvider(provider);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddAtlasStores(stores);
        services.AddScoped(_ => stores.Database.CreateContext());
        services.AddAtlasAuth();
        services.AddAtlasRateLimits(options);
        services.AddFeaturePageCache();
        services.AddRazorPages(o => o.Conventions.AuthorizeFolder("/Account/Settings", AtlasAuthExtensions.SignedIn));
        services.Replace(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Mvc.Infrastructure.IHttpResponseStreamWriterFactory, WholePageWriterFactory>());
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ApiErrors.Describe);
        // A request the API cannot bind throws, so ApiErrors can name the field instead of answering a bare 400.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi(o => o.AddSchemaTransformer(ExampleArraySchemas.Describe));
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase;
            // Neuronpedia keys features by strings ("index": "14057"); its client and frontend send them so.
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString;
        });
        services.AddModelRuntime(options);
        services.AddSingleton<SteerService>();
        services.AddSingleton<ScorerModel>();
        services.AddSingleton<SourceIds>();
        services.AddSingleton<SaeComparisons>();
        services.AddSingleton<CorpusTokens>();
        services.AddSingleton<FeatureViews>();
        services.AddSingleton<MarkdownRenderer>();
        services.AddAtlasJobs(stores);

        var app = builder.Build();
        app.UseWhen(IsApi, api =>
        {
            api.UseExceptionHandler(new ExceptionHandlerOptions
            {
                StatusCodeSelector = ApiErrors.StatusFor,
                // A 404 or 403 we answered on purpose is not a server error worth an error log with a stack trace.
                SuppressDiagnosticsCallback = c => ApiErrors.StatusFor(c.Exception) < StatusCodes.Status500InternalServerError,
            });
            api.UseStatusCodePages();
        });
        app.UseWhen(c => !IsApi(c), pages =>
        {
            pages.UseExceptionHandler(new ExceptionHandlerOptions
            {
                ExceptionHandlingPath = "/error",
                // A request the server could not read is the client's error (400, 413), not a 500.
                StatusCodeSelector = ApiErrors.StatusFor,
                SuppressDiagnosticsCallback = c => ApiErrors.StatusFor(c.Exception) < StatusCodes.Status500InternalServerError,
            });
            pages.UseStatusCodePagesWithReExecute("/error", "?status={0}");
        });
        app.UseAtlasSecurityHeaders();

        var files = new ManifestEmbeddedFileProvider(typeof(AtlasWebHost).Assembly, "wwwroot");
        app.Environment.WebRootFileProvider = files;
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            // Links carry ?v=<hash> (asp-append-version), so a changed file is a new URL.
            OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "public, max-age=604800",
        });

        app.UseRouting();
        app.UseOverloadShedding(options);
        app.UseApiNotFound();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseInputGuard();
        app.UseFeaturePageEviction();
        app.UseOutputCache();

        app.MapOpenApi();
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "api-doc";
            o.SwaggerEndpoint("/openapi/v1.json", "FeatureAtlas API");
            o.DocumentTitle = "FeatureAtlas API";
        });
        app.MapAtlasApi();
        app.MapAtlasJobsDashboard();
        app.MapRazorPages();
        return app;
    }

    private static bool IsApi(HttpContext context) => context.Request.Path.StartsWithSegments("/api");
}
