using System.CommandLine;
using FeatureAtlas.Core.Explain.Llm;
using FeatureAtlas.Web;
using Microsoft.Extensions.Hosting;

namespace FeatureAtlas.Cli.Commands;

/// <summary><c>atlas serve</c>: the FeatureAtlas site and JSON API over one database, until Ctrl+C.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var db = StoreOptions.Db();
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen (loopback by default; use http://0.0.0.0:5000 to serve a network deliberately).",
            DefaultValueFactory = _ => "http://127.0.0.1:5000",
        };
        var noSignup = new Option<bool>("--no-signup") { Description = "Do not let visitors create accounts." };
        var inferencePerMinute = new Option<int>("--inference-per-minute")
        {
            Description = "Live-inference requests allowed per client per minute.",
            DefaultValueFactory = _ => 120,
        };
        var log = new Option<bool>("--log-requests") { Description = "Log every request." };
        var llmEndpoint = new Option<string?>("--llm-endpoint")
        {
            Description = $"An OpenAI-compatible API root (or $ATLAS_LLM_ENDPOINT) that scores explanations for POST /api/explanation/score; without one, scores are offline. The key is ${ExplainCommand.ApiKeyVariable}.",
        };
        var llmModel = new Option<string?>("--llm-model") { Description = "The scorer model's name at that endpoint (or $ATLAS_LLM_MODEL)." };
        var command = new Command("serve", "Serve the FeatureAtlas site and JSON API.") { db, urls, noSignup, inferencePerMinute, log, llmEndpoint, llmModel };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // The address first: it costs nothing, and a database may take a while to open or migrate.
            ListenCheck.EnsureAvailable(parse.GetValue(urls)!);
            var options = new AtlasWebOptions
            {
                Db = parse.GetValue(db)!,
                Urls = parse.GetValue(urls)!,
                AllowSignup = !parse.GetValue(noSignup),
                InferencePerMinute = parse.GetValue(inferencePerMinute),
                RequestLogging = parse.GetValue(log),
                Llm = ScorerOptions(parse.GetValue(llmEndpoint), parse.GetValue(llmModel)),
            };
            return await RunAsync(options, address => $"FeatureAtlas is serving {options.Db} at {address}", cancellationToken);
        });
        return command;
    }

    /// <summary>The scorer model from the options or environment; null when neither names an endpoint.</summary>
    private static LlmClientOptions? ScorerOptions(string? endpoint, string? model)
    {
        endpoint ??= Environment.GetEnvironmentVariable("ATLAS_LLM_ENDPOINT");
        model ??= Environment.GetEnvironmentVariable("ATLAS_LLM_MODEL");
        if (string.IsNullOrWhiteSpace(endpoint)) return null;
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--llm-endpoint must be an http(s) URL such as http://127.0.0.1:8000/v1; found '{endpoint}'.");
        }
        if (string.IsNullOrWhiteSpace(model)) throw new UsageException("--llm-endpoint needs --llm-model (or $ATLAS_LLM_MODEL).");
        return new LlmClientOptions { BaseUrl = url, Model = model, ApiKey = Environment.GetEnvironmentVariable(ExplainCommand.ApiKeyVariable) };
    }

    /// <summary>Starts the site, prints a line per address it listens on, and serves until Ctrl+C or SIGTERM.</summary>
    public static async Task<int> RunAsync(AtlasWebOptions options, Func<string, string> describe, CancellationToken cancellationToken)
    {
        await using var app = await AtlasWebHost.BuildAsync(options, cancellationToken);
        await app.StartAsync(cancellationToken);
        foreach (var address in app.Urls) Console.WriteLine(describe(address));
        Console.WriteLine("Press Ctrl+C to stop.");
        await app.WaitForShutdownAsync(CancellationToken.None);
        return ExitCodes.Success;
    }
}
