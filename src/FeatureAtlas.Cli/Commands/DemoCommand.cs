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
/// <c>atlas demo</c>: the whole platform offline in one command. The Moby Dick and State of the Union corpora, a small
/// GPT-2 trained here on them (<see cref="TrainLmJob"/>: 4 layers, d_model 128, 1.3M tokens; labelled "demo model, trained here on N
/// tokens of … (held-out loss X nats/token)"), two SAEs trained here
/// (standard on blocks.1.hook_resid_pre, TopK on blocks.3.hook_resid_post) and evaluated, every dashboard, offline
/// explanations and feature maps, then the site. Each step is skipped when its result is already there and every
/// job checkpoints, so stopping and starting again loses nothing.
/// </summary>
internal static class DemoCommand
{
    public const string ModelName = "demo-gpt2";

    /// <summary>The demo model's shape and budget: --small trains a tiny one in seconds (the test suite runs it).</summary>
    internal static TrainLmJobOptions ModelOptions(string modelDir, string checkpoints, bool small) => new()
    {
        Corpora = ["moby-dick", "sotu"], OutputDirectory = modelDir, CheckpointDirectory = checkpoints,
        Layers = 4, DModel = small ? 32 : 128, Heads = small ? 2 : 4, Context = 127, Batch = 8,
        // 1.3M tokens with the shared-row vocabulary below: held-out loss 5.763 nats/token (Kneser-Ney bigram 5.203; 5.861 at
        // 1M, 5.619 at 2M, 6.285 for 400K with the full softmax), ~3,700 tokens/s on 2 idle cores, which keeps the whole demo
        // under 10 minutes (523 s; README, train-lm).
        Tokens = small ? 4 * 8 * 127 : 1_300_000, LearningRate = 3e-3f, WarmupSteps = small ? 1 : 20, Seed = 0,
        // Tokens seen fewer than 10 times as training targets share one embedding row (11,761 of the 28,676 distinct
        // training tokens keep their own, covering 97.5% of targets): the unembedding, most of a d_model-128 step, shrinks
        // 4.3×; the saved model is an ordinary GPT-2 whose full-vocabulary loss is the one reported (SharedRowVocabulary).
        MinTokenCount = small ? 0 : 10,
        HeldOutFraction = small ? 0.005 : 0.02, ProgressEvalTokens = small ? 1_016 : 4_064, EvalEverySteps = small ? 2 : 100,
        CheckpointInterval = TimeSpan.FromSeconds(20),
    };

    /// <summary>What the site calls the demo model: what it was trained on and how well it predicts held-out text.</summary>
    internal static string DisplayName(TrainLmResult? report) => report is null
        ? "demo model"
        : $"demo model, trained here on {report.TrainTokens:N0} tokens of Moby Dick and State of the Union addresses (held-out loss {report.HeldOutLoss:F2} nats/token)";

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
        var trainTokens = new Option<long?>("--tokens") { Description = "Training tokens per SAE (default 500,000; --small 8,192)." };
        var urls = new Option<string>("--urls") { Description = "Where the site listens.", DefaultValueFactory = _ => "http://127.0.0.1:5000" };
        var noServe = new Option<bool>("--no-serve") { Description = "Build everything, then exit instead of serving." };
        var command = new Command("demo", "The whole platform offline: a small GPT-2 trained here, two trained SAEs, dashboards, explanations, the site.")
        {
            dir, small, trainTokens, urls, noServe,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var root = Path.GetFullPath(parse.GetValue(dir)!);
            var isSmall = parse.GetValue(small);
            // 500K tokens per SAE: against 1M, mean simulation score 1.55x / 1.26x the baseline (was 1.38x / 1.22x), fewer dead
            // features (113 / 916 of 2,048, was 588 / 876), and a minute less, which keeps the whole demo near 10 minutes.
            var tokens = parse.GetValue(trainTokens) ?? (isSmall ? 8_192 : 500_000);
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

        Step("1/6 corpora");
        foreach (var dataset in new[] { "moby-dick", "sotu" })
        {
            if (await store.Corpora.GetCorpusAsync(dataset, ct) is not null) continue;
            var nodeModules = StoreOptions.EnsureNpmDataset(dataset);
            var (package, version) = NpmDatasets.Packages[dataset];
            var windows = CorpusWindows.FromDocuments(NpmDatasets.ReadDocuments(nodeModules, dataset), Gpt2Tokenizer.CreateDefault(), 128);
            await store.Corpora.AddCorpusAsync(dataset, $"npm:{package}@{version}", 128, windows, replace: false, ct);
        }
        Done("moby-dick and sotu");

        Step("2/6 train the model");
        if (!File.Exists(Path.Combine(modelDir, "model.safetensors")))
        {
            var options = ModelOptions(modelDir, checkpoints, small);
            AnsiConsole.MarkupLine($"  training a {options.Layers}-layer GPT-2 (d_model {options.DModel}) on {options.Tokens:N0} tokens of moby-dick + sotu");
            var trained = await TrainLmCommand.RunWithProgress(progress => TrainLmJob.RunAsync(options, store.Corpora, progress, ct));
            AnsiConsole.MarkupLine($"  {Markup.Escape(TrainLmCommand.Summary(trained))}");
        }
        var report = TrainLmJob.ReadReport(modelDir);
        var config = Gpt2Config.Load(Path.Combine(modelDir, "config.json"));
        Done($"{DisplayName(report)}: {config.Layers} layers, d_model {config.DModel}, in {modelDir}");

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
                    // The standard SAE on the trained model's layer-1 residual stream, after 262K tokens (256 steps, L1 warm-up
                    // 25): λ 1 at lr 1e-3 left L0 852 of 2,048 (MSE 12), λ 3 719, λ 8 589 (MSE 99); λ 1 at lr 1e-2 L0 386
                    // (MSE 16), still falling. With λ 0.25 at lr 1e-3 the full run ended at L0 775. --small keeps λ 0.25 and
                    // lr 1e-3: its 8 steps at lr 1e-2 left 42 of 256 features alive.
                    L1Coefficient = small ? 0.25f : 1f,
                    L1WarmupSteps = steps / 10,
                    LearningRate = sae.Architecture == SaeArchitecture.Standard && !small ? 1e-2f : 1e-3f,
                    LrWarmupSteps = Math.Min(10, steps / 4),
                    // A feature is dead after 100 steps (102K tokens) without firing, so TopK's AuxK loss gets to revive
                    // features within the demo's run; SAELens's 1,000-step window is longer than the whole run.
                    DeadFeatureWindow = 100,
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
            var explained = await ProgressDisplay.RunAsync($"explain {sae.Name}", progress => ExplainJob.RunAsync(options, store.Corpora, store.Models, store.Dashboards, store.Explanations, null, progress, ct));
            AnsiConsole.MarkupLine(Markup.Escape($"  explained {sae.Name}: {explained.Features:N0} features, mean simulation score {explained.MeanCorrelation:F3}" +
                (explained.BaselineMeanCorrelation is { } b ? $" (most-frequent-token baseline {b:F3}, {explained.MeanCorrelation / b:F2}×)" : "")));
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
        await store.Models.UpsertModelAsync(record with { DisplayName = DisplayName(report) }, ct);
        Done($"maps stored (each SAE's own, and joint map {joint.MapName})");
    }

    private static void Step(string title) => AnsiConsole.MarkupLine($"[bold]{Markup.Escape(title)}[/]");

    private static void Done(string what) => AnsiConsole.MarkupLine($"  [green]✓[/] {Markup.Escape(what)}");
}
