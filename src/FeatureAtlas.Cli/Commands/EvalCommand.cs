using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Jobs;
using FeatureAtlas.Jobs.Queue;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas eval</c>: an SAE's L0, MSE, explained variance, cosine similarity, CE loss recovered and dead/dense
/// features over a stored corpus (SAELens evals.py meanings), stored as the SAE's evaluation.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model("A model's name in the store, or a Hugging Face GPT-2 folder.");
        var sae = new Option<string>("--sae") { Description = "An SAE's name in the store (of --model), or an SAELens folder.", Required = true };
        var corpus = new Option<string?>("--corpus") { Description = "A corpus added with `atlas corpus add` (default: the only one in the store)." };
        var tokens = new Option<long>("--tokens") { Description = "Corpus tokens to evaluate on (whole windows).", DefaultValueFactory = _ => 100_000 };
        var batch = new Option<int>("--batch") { Description = "Windows per forward pass.", DefaultValueFactory = _ => 8 };
        var processing = CliOptions.Processing();
        var json = CliOptions.Json();
        var enqueue = JobsCli.EnqueueOption();
        var metaSae = new Option<bool>("--meta-sae")
        {
            Description = "Also train SAEBench's meta-SAE on the decoder rows (width d_sae/4, BatchTopK k=4, 1,500 steps) and store decoder_fraction_variance_explained.",
        };
        var saeBench = new Option<string?>("--saebench-out") { Description = "Also write the result as a SAEBench core result file (eval_result_metrics / eval_config layout)." };
        var db = StoreOptions.Db();
        var command = new Command("eval", "Evaluate an SAE (L0, MSE, explained variance, CE loss recovered, dead and dense features) and store the figures.")
        {
            model, sae, corpus, tokens, batch, processing, json, saeBench, metaSae, enqueue, db,
        };
        command.Subcommands.Add(EvalImportCommand.Create());
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(tokens) <= 0 || parse.GetValue(batch) <= 0) throw new UsageException("--tokens and --batch must be positive.");
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, cancellationToken);
            var (modelDir, storedName) = await ResolveModel(store.Models, parse.GetValue(model)!, cancellationToken);
            var modelName = storedName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDir)));
            var saeDir = await ResolveSae(store.Models, modelName, parse.GetValue(sae)!, cancellationToken);
            var corpusName = parse.GetValue(corpus) ?? await OnlyCorpus(store.Corpora, cancellationToken);
            var options = new EvalJobOptions
            {
                ModelDirectory = modelDir, ModelName = modelName, SaeDirectory = saeDir, Corpus = corpusName, Tokens = parse.GetValue(tokens),
                BatchWindows = parse.GetValue(batch), Processing = CliOptions.ParseProcessing(parse.GetValue(processing)),
                MetaSae = parse.GetValue(metaSae) ? new MetaSaeOptions() : null,
            };
            if (parse.GetValue(enqueue))
            {
                var shared = options with { ModelDirectory = Path.GetFullPath(options.ModelDirectory), SaeDirectory = Path.GetFullPath(options.SaeDirectory) };
                return await JobsCli.EnqueueWholeAsync(store, WholeJobs.Eval, shared, $"eval of {shared.SaeDirectory}", cancellationToken);
            }
            using var stop = StopSignal.Register(cancellationToken);
            try
            {
                var record = parse.GetValue(json)
                    ? await JobsCli.RunLocalAsync(store, "eval", $"eval of {options.SaeDirectory}", options, (p, ct) => EvalJob.RunAsync(options, store.Corpora, store.Models, store.Evals, p, ct), null, stop.Token)
                    : await ProgressDisplay.RunAsync("eval", progress => JobsCli.RunLocalAsync(store, "eval", $"eval of {options.SaeDirectory}", options,
                        (p, ct) => EvalJob.RunAsync(options, store.Corpora, store.Models, store.Evals, p, ct), progress, stop.Token));
                if (parse.GetValue(saeBench) is { } path)
                {
                    var file = SaeBenchFormat.Write(record.Result, modelName, record.Sae, record.HookName, record.Corpus, null, record.CreatedAt);
                    await AtomicText.WriteAsync(path, file.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), stop.Token);
                }
                if (parse.GetValue(json)) Console.WriteLine(ToJson(modelName, record).ToJsonString());
                else Print(modelName, record);
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("Stopped; nothing was stored.");
                return ExitCodes.Cancelled;
            }
        });
        return command;
    }

    internal static async Task<(string Directory, string? Name)> ResolveModel(IModelStore models, string model, CancellationToken cancellationToken)
    {
        if (Directory.Exists(model)) return (model, null);
        var record = await models.GetModelAsync(model, cancellationToken)
            ?? throw new KeyNotFoundException($"--model: '{model}' is neither a folder nor a model in the store.");
        if (record.Path is null || !Directory.Exists(record.Path)) throw new DirectoryNotFoundException($"Model '{model}' has no weights folder on this machine ({record.Path ?? "none recorded"}); pass its folder.");
        return (record.Path, record.Name);
    }

    internal static async Task<string> ResolveSae(IModelStore models, string model, string sae, CancellationToken cancellationToken)
    {
        if (Directory.Exists(sae)) return sae;
        var record = await models.GetSaeAsync(model, sae, cancellationToken)
            ?? throw new KeyNotFoundException($"--sae: '{sae}' is neither a folder nor an SAE of model '{model}' in the store.");
        if (record.Path is null || !Directory.Exists(record.Path)) throw new DirectoryNotFoundException($"SAE '{sae}' has no weights folder on this machine ({record.Path ?? "none recorded"}); pass its folder.");
        return record.Path;
    }

    private static async Task<string> OnlyCorpus(ICorpusStore store, CancellationToken cancellationToken)
    {
        var corpora = await store.ListCorporaAsync(cancellationToken);
        return corpora.Count switch
        {
            1 => corpora[0].Name,
            0 => throw new UsageException("The store has no corpus; add one with `atlas corpus add`."),
            _ => throw new UsageException($"The store has several corpora ({string.Join(", ", corpora.Select(c => c.Name))}); pass --corpus."),
        };
    }

    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static JsonObject ToJson(string model, SaeEvalRecord record)
    {
        var result = JsonSerializer.SerializeToNode(record.Result, SnakeCase)!.AsObject();
        result["model"] = model;
        result["sae"] = record.Sae;
        result["hook_name"] = record.HookName;
        result["corpus"] = record.Corpus;
        return result;
    }

    /// <summary>One line of an evaluation's main figures, as the demo prints it after each SAE.</summary>
    internal static string Summary(SaeEvalRecord record)
    {
        var r = record.Result;
        var recovered = ViewPercent(r.CeLossRecovered) + (CeLossRecoveredCaveat.Of(r) is { } caveat ? $" (not meaningful: {caveat})" : "");
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"L0 {r.L0:F1}, explained variance {r.ExplainedVariance:F3}, CE loss recovered {recovered}, dead {r.DeadFeatures:N0} of {r.DSae:N0}, over {r.Tokens:N0} tokens of {record.Corpus}");
    }

    private static string ViewPercent(double fraction) => (fraction * 100).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + "%";

    private static void Print(string model, SaeEvalRecord record)
    {
        var r = record.Result;
        var table = new Table().AddColumns("metric", "value");
        void Row(string name, string value) => table.AddRow(name, value);
        Row("tokens", $"{r.Tokens:N0}");
        Row("L0", $"{r.L0:F2}");
        Row("MSE", $"{r.Mse:G5}");
        Row("explained variance", $"{r.ExplainedVariance:F4}");
        Row("cosine similarity", $"{r.CosineSimilarity:F4}");
        Row("CE loss clean / with SAE / zero-ablated", $"{r.CeLossClean:F4} / {r.CeLossWithSae:F4} / {r.CeLossZeroAblation:F4}");
        Row("CE loss recovered", $"{r.CeLossRecovered:F4}" + (CeLossRecoveredCaveat.Of(r) is { } caveat ? $" (not meaningful: {caveat})" : ""));
        Row("dead features", $"{r.DeadFeatures:N0} of {r.DSae:N0}");
        Row("dense features (> 10%)", $"{r.DenseFeatures:N0}");
        if (r.KlDivScore is { } kl) Row("kl_div_score", $"{kl:F4}");
        if (r.DecoderFractionVarianceExplained is { } fve) Row("decoder_fraction_variance_explained", $"{fve:F4}");
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(record.Sae)}[/] on {Markup.Escape(record.HookName)} of {Markup.Escape(model)}, corpus {Markup.Escape(record.Corpus)}:");
        AnsiConsole.Write(table);
    }
}
