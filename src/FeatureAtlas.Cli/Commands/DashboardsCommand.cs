using System.CommandLine;
using System.Diagnostics;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Jobs;
using FeatureAtlas.Jobs.Queue;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary><c>atlas dashboards build|export|import</c>.</summary>
internal static class DashboardsCommand
{
    public static Command Create()
    {
        var dashboards = new Command("dashboards", "Build, export and import feature dashboards.");
        dashboards.Subcommands.Add(CreateBuild());
        dashboards.Subcommands.Add(CreateExport());
        dashboards.Subcommands.Add(CreateImport());
        return dashboards;
    }

    private static Command CreateBuild()
    {
        var model = CliOptions.Model();
        var saes = CliOptions.Saes();
        saes.Required = true;
        var corpus = new Option<string>("--corpus") { Description = "A corpus added with `atlas corpus add`.", Required = true };
        var tokens = new Option<long>("--tokens") { Description = "Corpus tokens to read (whole windows).", DefaultValueFactory = _ => 100_000 };
        var processing = CliOptions.Processing();
        var name = new Option<string?>("--name") { Description = "The model's name in the store (default: its folder name)." };
        var batch = new Option<int>("--batch") { Description = "Windows per forward pass.", DefaultValueFactory = _ => 8 };
        var top = new Option<int>("--top") { Description = "Top activating examples per feature.", DefaultValueFactory = _ => 20 };
        var intervals = new Option<int>("--intervals") { Description = "Activation intervals of (0, max].", DefaultValueFactory = _ => 5 };
        var perInterval = new Option<int>("--interval-examples") { Description = "Examples sampled per interval.", DefaultValueFactory = _ => 5 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the interval sampling.", DefaultValueFactory = _ => 0 };
        var checkpoints = new Option<string>("--checkpoint-dir") { Description = "Where the resumable checkpoint lives.", DefaultValueFactory = _ => Path.Combine(".atlas", "checkpoints") };
        var checkpointSeconds = new Option<double>("--checkpoint-seconds") { Description = "Seconds between checkpoints.", DefaultValueFactory = _ => 30 };
        var set = new SourceSetOptions();
        var enqueue = new Option<bool>("--enqueue") { Description = "Queue the build (split into --shards pieces) for workers instead of running it here; prints the job id." };
        var shards = new Option<int>("--shards") { Description = "With --enqueue: pieces of corpus windows the build is split into (the logit tables are split apart from them, one piece per 8,192 features).", DefaultValueFactory = _ => 8 };
        var db = StoreOptions.Db();
        var command = new Command("build", "Compute every feature's dashboard over a corpus and store it (resumable: rerun to continue).")
        {
            model, saes, corpus, tokens, processing, name, batch, top, intervals, perInterval, seed, set.Set, set.Description, checkpoints, checkpointSeconds, enqueue, shards, db,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(tokens) <= 0 || parse.GetValue(batch) <= 0 || parse.GetValue(top) <= 0 || parse.GetValue(intervals) < 0 || parse.GetValue(perInterval) < 0)
            {
                throw new UsageException("--tokens, --batch and --top must be positive; --intervals and --interval-examples not negative.");
            }
            var (setName, setText) = set.Read(parse);
            var options = new DashboardJobOptions
            {
                ModelDirectory = parse.GetValue(model)!,
                SaeDirectories = parse.GetValue(saes)!,
                Corpus = parse.GetValue(corpus)!,
                Tokens = parse.GetValue(tokens),
                ModelName = parse.GetValue(name),
                SetName = setName,
                SetDescription = setText,
                Processing = CliOptions.ParseProcessing(parse.GetValue(processing)),
                BatchWindows = parse.GetValue(batch),
                CheckpointDirectory = parse.GetValue(checkpoints)!,
                CheckpointInterval = TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(checkpointSeconds))),
                Dashboard = new DashboardOptions
                {
                    TopExamples = parse.GetValue(top), Intervals = parse.GetValue(intervals), ExamplesPerInterval = parse.GetValue(perInterval), Seed = parse.GetValue(seed),
                },
            };
            if (parse.GetValue(shards) <= 0) throw new UsageException("--shards must be positive.");
            using var stop = StopSignal.Register(cancellationToken);
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, stop.Token);
            if (parse.GetValue(enqueue))
            {
                var job = await ShardedDashboards.EnqueueAsync(options, parse.GetValue(shards), null, store.Jobs, store.Corpora, JobsCli.QueueClient(store), stop.Token);
                JobsCli.ReportEnqueued(store, job.Id);
                return ExitCodes.Success;
            }
            var watch = Stopwatch.StartNew();
            return await JobsCli.RunCheckpointedAsync(async () =>
            {
                var title = $"dashboards of {string.Join(", ", options.SaeDirectories.Select(Path.GetFileName))} over {options.Corpus}";
                var results = await ProgressDisplay.RunAsync("dashboards", progress => JobsCli.RunLocalAsync(store, ShardedDashboards.Kind, title, options,
                    (p, ct) => DashboardJob.RunAsync(options, store.Corpora, store.Models, store.Dashboards, p, ct), progress, stop.Token));
                foreach (var result in results)
                {
                    AnsiConsole.MarkupLine($"[bold]{Markup.Escape(result.SaeName)}[/]: {result.Features.Count:N0} features over {result.TotalTokens:N0} tokens, {result.DeadFeatures:N0} dead.");
                }
                AnsiConsole.MarkupLine($"Done in {watch.Elapsed.TotalSeconds:F1} s; stored in {Markup.Escape(parse.GetValue(db)!)}.");
            });
        });
        return command;
    }

    private static Command CreateExport()
    {
        var sae = new Option<string>("--sae") { Description = "The SAE's name in the store.", Required = true };
        var model = new Option<string?>("--model") { Description = "The model's name (needed when several models have an SAE of that name)." };
        var output = new Option<string>("--out") { Description = "Folder for batch-N.json files.", Required = true };
        var format = new Option<string>("--format") { Description = "Export format.", DefaultValueFactory = _ => "neuronpedia" };
        format.AcceptOnlyFromAmong("neuronpedia");
        var db = StoreOptions.Db();
        var command = new Command("export", "Write an SAE's dashboards as Neuronpedia batch files.") { sae, model, output, format, db };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, cancellationToken);
            var saeName = parse.GetValue(sae)!;
            var modelName = parse.GetValue(model) ?? await ResolveModel(store.Models, saeName, cancellationToken);
            var summary = await store.Dashboards.GetDashboardSummaryAsync(modelName, saeName, cancellationToken)
                ?? throw new KeyNotFoundException($"SAE '{saeName}' of model '{modelName}' has no dashboards; build them with `atlas dashboards build`.");
            var record = (await store.Models.GetSaeAsync(modelName, saeName, cancellationToken))!;
            var features = await store.Dashboards.GetFeaturesAsync(modelName, saeName, 0, record.DSae, cancellationToken);
            var windowIndexes = features.SelectMany(f => f.Top.Concat(f.Intervals.SelectMany(g => g.Examples))).Select(e => e.Window).ToHashSet();
            var windows = await store.Corpora.ReadWindowsAsync(summary.Corpus, windowIndexes, cancellationToken);
            var corpus = (await store.Corpora.GetCorpusAsync(summary.Corpus, cancellationToken))!;
            var dashboards = new SaeDashboards
            {
                SaeName = saeName, HookName = record.HookName, TotalTokens = summary.TotalTokens, Windows = summary.Windows,
                LogDensityHistogram = summary.LogDensityHistogram, DeadFeatures = summary.DeadFeatures, Features = features,
            };
            // Imported dashboards keep the dataset their files named; built ones name their corpus.
            var dataset = corpus.Source.StartsWith("neuronpedia:", StringComparison.Ordinal) ? corpus.Source["neuronpedia:".Length..] : summary.Corpus;
            var info = new NeuronpediaExportInfo(modelName, saeName, SaeSet(saeName), "", dataset, summary.Windows, corpus.Context, record.HookName);
            var files = NeuronpediaFormat.Export(dashboards, info, windows, Gpt2Tokenizer.CreateDefault(), parse.GetValue(output)!);
            AnsiConsole.MarkupLine($"Wrote {files.Count} batch files ({features.Count:N0} features) to [bold]{Markup.Escape(parse.GetValue(output)!)}[/].");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateImport()
    {
        var directory = new Option<string>("--dir") { Description = "A folder of Neuronpedia batch-N.json files.", Required = true };
        var model = new Option<string?>("--model") { Description = "Store under this model name (default: the files' model_id)." };
        var sae = new Option<string?>("--sae") { Description = "Store under this SAE name (default: the files' layer)." };
        var db = StoreOptions.Db();
        var command = new Command("import", "Load Neuronpedia batch files (SAEDashboard's output) into the store.") { directory, model, sae, db };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dir = parse.GetValue(directory)!;
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Folder '{dir}' does not exist.");
            var files = Directory.GetFiles(dir, "batch-*.json").OrderBy(f => int.TryParse(Path.GetFileNameWithoutExtension(f)[6..], out var n) ? n : int.MaxValue).ToArray();
            if (files.Length == 0) throw new FileNotFoundException($"No batch-N.json files in '{dir}'.");
            var imported = NeuronpediaFormat.Import(files, Gpt2Tokenizer.CreateDefault());
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, cancellationToken);
            var result = await DashboardImport.StoreAsync(imported, parse.GetValue(model), parse.GetValue(sae), store.Models, store.Dashboards, store.Corpora, cancellationToken);
            AnsiConsole.MarkupLine($"Imported {imported.Dashboards.Features.Count:N0} features of [bold]{Markup.Escape(result.Model)}/{Markup.Escape(result.Sae)}[/] (examples in corpus {Markup.Escape(result.Corpus)}).");
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<string> ResolveModel(IModelStore models, string sae, CancellationToken cancellationToken)
    {
        var owners = new List<string>();
        foreach (var m in await models.ListModelsAsync(cancellationToken))
        {
            if (await models.GetSaeAsync(m.Name, sae, cancellationToken) is not null) owners.Add(m.Name);
        }
        return owners.Count switch
        {
            1 => owners[0],
            0 => throw new KeyNotFoundException($"No SAE named '{sae}' in the store."),
            _ => throw new UsageException($"Several models have an SAE named '{sae}' ({string.Join(", ", owners)}); pass --model."),
        };
    }

    /// <summary>Neuronpedia's set name: the source id after its layer number ("8-res-jb" → "res-jb").</summary>
    private static string SaeSet(string sae) => sae.IndexOf('-') is var dash and > 0 && int.TryParse(sae[..dash], out _) ? sae[(dash + 1)..] : sae;
}
