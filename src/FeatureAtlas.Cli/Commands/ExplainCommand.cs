using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Explain.Llm;
using FeatureAtlas.Data;
using FeatureAtlas.Jobs;
using FeatureAtlas.Jobs.Queue;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas explain</c>: explain and score an SAE's features (offline by default; through an OpenAI-compatible
/// endpoint with --method llm, key from $ATLAS_LLM_API_KEY), resumably; <c>atlas explain export</c>: Neuronpedia-shaped JSON.
/// </summary>
internal static class ExplainCommand
{
    public const string ApiKeyVariable = "ATLAS_LLM_API_KEY";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model's name in the store.", Required = true };
        var sae = new Option<string>("--sae") { Description = "The SAE's name in the store.", Required = true };
        var method = new Option<string>("--method") { Description = "offline (token statistics, no LLM) or llm.", DefaultValueFactory = _ => "offline" };
        method.AcceptOnlyFromAmong("offline", "llm");
        var features = new Option<string?>("--features") { Description = "A range such as 0-99 (default: all)." };
        var endpoint = new Option<string?>("--endpoint") { Description = "OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 (or $ATLAS_LLM_ENDPOINT)." };
        var llmModel = new Option<string?>("--llm-model") { Description = "The endpoint's model name (or $ATLAS_LLM_MODEL)." };
        var prompt = new Option<string>("--prompt") { Description = "LLM explainer prompt: oai, delphi or logits (np_max-act-logits: top examples, next tokens and top logits).", DefaultValueFactory = _ => "delphi" };
        prompt.AcceptOnlyFromAmong("oai", "delphi", "logits");
        var logits = new Option<bool>("--logits") { Description = "Offline: the logit-aware explainer (atlas_max-act-logits), which also says what the feature predicts." };
        var noTestTexts = new Option<bool>("--no-test-texts") { Description = "Skip the test texts (written or composed, then run through the model) scored with each explanation." };
        var logprobs = new Option<bool>("--logprobs") { Description = "Ask for log-probabilities (AUROC and simulation; the endpoint must return them)." };
        var concurrency = new Option<int>("--concurrency") { Description = "Most LLM requests in flight.", DefaultValueFactory = _ => 4 };
        var checkpoints = new Option<string>("--checkpoint-dir") { Description = "Where the checkpoint and the LLM reply cache live.", DefaultValueFactory = _ => Path.Combine(".atlas", "checkpoints") };
        var json = CliOptions.Json();
        var enqueue = JobsCli.EnqueueOption();
        var shards = new Option<int>("--shards") { Description = "With --enqueue: feature ranges the run is split into, each taken by any worker (default 1: one job).", DefaultValueFactory = _ => 1 };
        var db = StoreOptions.Db();
        var command = new Command("explain", "Explain and score an SAE's features from their dashboards (resumable: rerun to continue).")
        {
            model, sae, method, features, endpoint, llmModel, prompt, logits, noTestTexts, logprobs, concurrency, checkpoints, json, enqueue, shards, db,
        };
        command.Subcommands.Add(ExplainExport.Create());
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(shards) <= 0) throw new UsageException("--shards must be positive.");
            if (parse.GetValue(shards) > 1 && !parse.GetValue(enqueue)) throw new UsageException("--shards splits an --enqueue run across workers; give --enqueue too.");
            var (first, count) = ParseRange(parse.GetValue(features));
            var llm = parse.GetValue(method) == "llm";
            var options = new ExplainJobOptions
            {
                Model = parse.GetValue(model)!, Sae = parse.GetValue(sae)!, First = first, Count = count,
                LlmStyle = llm ? parse.GetValue(prompt) switch { "oai" => LlmExplainerStyle.OpenAi, "logits" => LlmExplainerStyle.MaxActLogits, _ => LlmExplainerStyle.Delphi } : null,
                LogitAware = parse.GetValue(logits), TestTexts = !parse.GetValue(noTestTexts),
                LlmLogprobs = parse.GetValue(logprobs), CheckpointDirectory = parse.GetValue(checkpoints)!,
            };
            if (parse.GetValue(enqueue))
            {
                // A worker has no operator's LLM key or budget: LLM explanations run here, where they are given.
                if (llm) throw new UsageException("--enqueue runs the offline explainer only; run --method llm here, where its endpoint and key are.");
                var queued = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, cancellationToken);
                var shared = options with { CheckpointDirectory = Path.GetFullPath(options.CheckpointDirectory) };
                if (parse.GetValue(shards) is not > 1)
                {
                    return await JobsCli.EnqueueWholeAsync(queued, WholeJobs.Explain, shared, $"explanations of {shared.Model}/{shared.Sae}", cancellationToken);
                }
                var job = await ShardedExplanations.EnqueueAsync(shared, parse.GetValue(shards), null, queued.Jobs, queued.Models, JobsCli.QueueClient(queued), cancellationToken);
                JobsCli.ReportEnqueued(queued, job.Id);
                return ExitCodes.Success;
            }
            using var client = llm ? CreateClient(parse.GetValue(endpoint), parse.GetValue(llmModel), parse.GetValue(concurrency), options.CheckpointDirectory) : null;
            using var stop = StopSignal.Register(cancellationToken);
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, stop.Token);
            return await JobsCli.RunCheckpointedAsync(async () =>
            {
                var result = await ProgressDisplay.RunAsync("explain", progress => JobsCli.RunLocalAsync(store, "explain", $"explanations of {options.Model}/{options.Sae}", options,
                    (p, ct) => ExplainJob.RunAsync(options, store.Corpora, store.Models, store.Dashboards, store.Explanations, client, p, ct), progress, stop.Token));
                Report(result, parse.GetValue(json));
            });
        });
        return command;
    }

    private static OpenAiCompatibleClient CreateClient(string? endpoint, string? model, int concurrency, string checkpoints)
    {
        endpoint ??= Environment.GetEnvironmentVariable("ATLAS_LLM_ENDPOINT");
        model ??= Environment.GetEnvironmentVariable("ATLAS_LLM_MODEL");
        if (string.IsNullOrWhiteSpace(endpoint) || !Uri.TryCreate(endpoint, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new UsageException("--method llm needs --endpoint (or $ATLAS_LLM_ENDPOINT), an http(s) URL such as http://127.0.0.1:8000/v1.");
        }
        if (string.IsNullOrWhiteSpace(model)) throw new UsageException("--method llm needs --llm-model (or $ATLAS_LLM_MODEL).");
        if (concurrency <= 0) throw new UsageException("--concurrency must be positive.");
        return new OpenAiCompatibleClient(new LlmClientOptions
        {
            BaseUrl = url, Model = model, ApiKey = Environment.GetEnvironmentVariable(ApiKeyVariable), MaxConcurrency = concurrency,
            CacheDirectory = Path.Combine(checkpoints, "llm-cache"),
        });
    }

    /// <summary>"0-99" → (0, 100); "7" → (7, 1); null → everything.</summary>
    internal static (int First, int? Count) ParseRange(string? value)
    {
        if (value is null) return (0, null);
        var parts = value.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length is 1 or 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first))
        {
            if (parts.Length == 1) return (first, 1);
            if (int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var last) && last >= first) return (first, last - first + 1);
        }
        throw new UsageException($"--features must be a range such as 0-99, found '{value}'.");
    }

    private static void Report(ExplainJobResult r, bool json)
    {
        var report = new JsonObject
        {
            ["method"] = r.Method, ["llm_model"] = r.ModelName, ["features"] = r.Features,
            ["mean_correlation"] = r.MeanCorrelation, ["mean_detection_balanced_accuracy"] = r.MeanBalancedAccuracy,
            ["baseline_mean_correlation"] = r.BaselineMeanCorrelation, ["baseline_mean_detection_balanced_accuracy"] = r.BaselineMeanBalancedAccuracy,
            ["negatives"] = r.NegativesMeasured ? "measured" : "assumed-zero",
        };
        if (r.Usage is { } u) report["llm_usage"] = JsonSerializer.SerializeToNode(u);
        if (json)
        {
            Console.WriteLine(report.ToJsonString());
            return;
        }
        AnsiConsole.MarkupLine($"[bold]{r.Features:N0}[/] features explained ({Markup.Escape(r.Method)}); mean simulation r {r.MeanCorrelation:F3}, detection balanced accuracy {r.MeanBalancedAccuracy:F3}.");
        if (r.BaselineMeanCorrelation is { } bc) AnsiConsole.MarkupLine($"Baseline (max-activation token): r {bc:F3}, balanced accuracy {r.BaselineMeanBalancedAccuracy:F3}.");
        if (r.Usage is { } usage) AnsiConsole.MarkupLine($"LLM: {usage.Requests:N0} requests ({usage.Retries:N0} retries, {usage.CacheHits:N0} cached), {usage.PromptTokens:N0} prompt + {usage.CompletionTokens:N0} completion tokens.");
    }
}
