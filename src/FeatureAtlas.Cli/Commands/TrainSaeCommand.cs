using System.CommandLine;
using System.Diagnostics;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Training;
using FeatureAtlas.Data;
using FeatureAtlas.Jobs;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary><c>atlas train-sae</c>: train a standard, TopK or JumpReLU SAE on a stored corpus; resumable.</summary>
internal static class TrainSaeCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model();
        var hook = new Option<string>("--hook") { Description = "Hook point, e.g. blocks.6.hook_resid_pre.", Required = true };
        var corpus = new Option<string>("--corpus") { Description = "A corpus added with `atlas corpus add` (cycled when exhausted).", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the SAELens SAE (cfg.json + sae_weights.safetensors).", Required = true };
        var arch = new Option<string>("--arch") { Description = "standard, topk or jumprelu.", DefaultValueFactory = _ => "standard" };
        arch.AcceptOnlyFromAmong("standard", "topk", "jumprelu");
        var dSae = new Option<int?>("--d-sae") { Description = "Features (default: --expansion × d_in)." };
        var expansion = new Option<int>("--expansion") { Description = "Features per input dimension when --d-sae is not given.", DefaultValueFactory = _ => 32 };
        var tokens = new Option<long>("--tokens") { Description = "Training tokens (steps = tokens / batch).", DefaultValueFactory = _ => 2_000_000 };
        var batch = new Option<int>("--batch") { Description = "Tokens per optimiser step.", DefaultValueFactory = _ => 4096 };
        var k = new Option<int>("--k") { Description = "TopK: features kept per token.", DefaultValueFactory = _ => 100 };
        var auxK = new Option<int?>("--aux-k") { Description = "TopK: dead features per token that reconstruct the residual in the AuxK loss (default d_in / 2)." };
        var auxCoefficient = new Option<float>("--aux-coefficient") { Description = "TopK: AuxK loss coefficient (SAELens's aux_loss_coefficient; 0 turns AuxK off).", DefaultValueFactory = _ => 1f };
        var l1 = new Option<float>("--l1") { Description = "Standard: L1 coefficient (decoder-norm weighted).", DefaultValueFactory = _ => 5f };
        var l0 = new Option<float>("--l0") { Description = "JumpReLU: L0 coefficient.", DefaultValueFactory = _ => 1f };
        var sparsityWarmup = new Option<int>("--sparsity-warmup") { Description = "Steps of linear warm-up of the L1/L0 coefficient.", DefaultValueFactory = _ => 0 };
        var bandwidth = new Option<float>("--bandwidth") { Description = "JumpReLU: rectangle-kernel width of the threshold gradients.", DefaultValueFactory = _ => 1e-3f };
        var lr = new Option<float>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 3e-4f };
        var lrWarmup = new Option<int>("--lr-warmup") { Description = "Steps of linear LR warm-up.", DefaultValueFactory = _ => 0 };
        var lrDecay = new Option<int>("--lr-decay") { Description = "Final steps of linear LR decay to --lr-end.", DefaultValueFactory = _ => 0 };
        var lrEnd = new Option<float>("--lr-end") { Description = "LR at the end of the decay.", DefaultValueFactory = _ => 0f };
        var bDecInit = new Option<string>("--b-dec-init") { Description = "geometric_median, mean or zeros.", DefaultValueFactory = _ => "geometric_median" };
        bDecInit.AcceptOnlyFromAmong("geometric_median", "mean", "zeros");
        var deadWindow = new Option<int>("--dead-window") { Description = "Steps without firing after which a feature counts as dead (and TopK's AuxK loss trains it).", DefaultValueFactory = _ => 1000 };
        var bufferBatches = new Option<int>("--buffer-batches") { Description = "Shuffling buffer size in batches (memory: this × batch × d_in floats).", DefaultValueFactory = _ => 8 };
        var processing = CliOptions.Processing();
        var seed = new Option<ulong>("--seed") { Description = "Seed of the initialisation and the shuffling.", DefaultValueFactory = _ => 0 };
        var checkpoints = new Option<string>("--checkpoint-dir") { Description = "Where the resumable checkpoint lives.", DefaultValueFactory = _ => Path.Combine(".atlas", "checkpoints") };
        var checkpointSeconds = new Option<double>("--checkpoint-seconds") { Description = "Seconds between checkpoints.", DefaultValueFactory = _ => 120 };
        var db = StoreOptions.Db();
        var command = new Command("train-sae", "Train an SAE on a model's activations over a stored corpus (resumable: rerun to continue).")
        {
            model, hook, corpus, output, arch, dSae, expansion, tokens, batch, k, auxK, auxCoefficient, l1, l0, sparsityWarmup, bandwidth, lr, lrWarmup, lrDecay, lrEnd,
            bDecInit, deadWindow, bufferBatches, processing, seed, checkpoints, checkpointSeconds, db,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var modelDir = parse.GetValue(model)!;
            var config = Gpt2Config.Load(Path.Combine(modelDir, "config.json"));
            int dIn;
            try
            {
                dIn = SaeInitializer.InputWidth(config, parse.GetValue(hook)!);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"--hook: {e.Message}");
            }
            if (parse.GetValue(tokens) <= 0 || parse.GetValue(batch) <= 0 || parse.GetValue(expansion) <= 0 || parse.GetValue(bufferBatches) <= 0)
            {
                throw new UsageException("--tokens, --batch, --expansion and --buffer-batches must be positive.");
            }
            var steps = parse.GetValue(tokens) / parse.GetValue(batch);
            if (steps is < 1 or > int.MaxValue) throw new UsageException($"--tokens / --batch gives {steps} steps; need at least one.");
            var architecture = parse.GetValue(arch) switch { "topk" => SaeArchitecture.TopK, "jumprelu" => SaeArchitecture.JumpRelu, _ => SaeArchitecture.Standard };
            var training = new SaeTrainingOptions
            {
                Architecture = architecture,
                DSae = parse.GetValue(dSae) ?? parse.GetValue(expansion) * dIn,
                BatchTokens = parse.GetValue(batch),
                Steps = (int)steps,
                K = parse.GetValue(k),
                AuxK = parse.GetValue(auxK),
                AuxCoefficient = parse.GetValue(auxCoefficient),
                L1Coefficient = parse.GetValue(l1),
                L0Coefficient = parse.GetValue(l0),
                L1WarmupSteps = parse.GetValue(sparsityWarmup),
                Bandwidth = parse.GetValue(bandwidth),
                LearningRate = parse.GetValue(lr),
                LrWarmupSteps = parse.GetValue(lrWarmup),
                LrDecaySteps = parse.GetValue(lrDecay),
                LrEnd = parse.GetValue(lrEnd),
                BDecInit = parse.GetValue(bDecInit) switch { "mean" => BDecInit.Mean, "zeros" => BDecInit.Zeros, _ => BDecInit.GeometricMedian },
                DeadFeatureWindow = parse.GetValue(deadWindow),
                Seed = parse.GetValue(seed),
            };
            try
            {
                training.Validate();
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }
            var options = new TrainSaeJobOptions
            {
                ModelDirectory = modelDir,
                HookName = parse.GetValue(hook)!,
                Corpus = parse.GetValue(corpus)!,
                Training = training,
                OutputDirectory = parse.GetValue(output)!,
                CheckpointDirectory = parse.GetValue(checkpoints)!,
                CheckpointInterval = TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(checkpointSeconds))),
                Processing = CliOptions.ParseProcessing(parse.GetValue(processing)) ?? WeightProcessing.Raw,
                BufferBatches = parse.GetValue(bufferBatches),
            };
            using var stop = StopSignal.Register(cancellationToken);
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, stop.Token);
            var watch = Stopwatch.StartNew();
            try
            {
                var sae = await RunWithProgress(progress => TrainSaeJob.RunAsync(options, store.Corpora, progress, stop.Token));
                AnsiConsole.MarkupLine($"Trained [bold]{Markup.Escape(sae.Name)}[/] ({sae.Config.Architecture.ToString().ToLowerInvariant()}, {sae.DIn}→{sae.DSae}) in {watch.Elapsed.TotalSeconds:F1} s; written to {Markup.Escape(options.OutputDirectory)}.");
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("Stopped. The run is checkpointed: run the same command again to continue.");
                return ExitCodes.Cancelled;
            }
        });
        return command;
    }

    /// <summary>A progress bar with tokens/s, loss, MSE, AuxK loss (when not 0), L0, dead features and ETA (cut to the terminal's width); plain lines every 10 s without a terminal.</summary>
    internal static async Task<T> RunWithProgress<T>(Func<IProgress<TrainProgress>, Task<T>> job)
    {
        var watch = Stopwatch.StartNew();
        long startTokens = -1;
        string Describe(TrainProgress p)
        {
            var rate = (p.Tokens - startTokens) / Math.Max(1e-3, watch.Elapsed.TotalSeconds);
            var aux = p.AuxLoss != 0 ? $", aux {p.AuxLoss:G4}" : "";
            return $"step {p.Step:N0}/{p.Steps:N0}, {rate:N0} tokens/s, loss {p.Loss:G4}, mse {p.Mse:G4}{aux}, L0 {p.L0:F1}, dead {p.DeadFeatures:N0}";
        }
        // Rates count from the first step this process ran (a resumed run starts part-way).
        void Start(TrainProgress p)
        {
            if (startTokens < 0) startTokens = p.Tokens - p.Tokens / Math.Max(1, p.Step);
        }
        if (Console.IsOutputRedirected)
        {
            var last = TimeSpan.Zero;
            return await job(new SynchronousProgress(p =>
            {
                Start(p);
                if (watch.Elapsed - last < TimeSpan.FromSeconds(10) && p.Step != p.Steps) return;
                last = watch.Elapsed;
                var remaining = p.Tokens > startTokens ? TimeSpan.FromSeconds((p.TotalTokens - p.Tokens) * watch.Elapsed.TotalSeconds / Math.Max(1, p.Tokens - startTokens)) : TimeSpan.Zero;
                Console.Error.WriteLine($"train-sae: {Describe(p)}, ETA {remaining:hh\\:mm\\:ss}");
            }));
        }
        return await ProgressDisplay.Bars()
            .StartAsync(async context =>
            {
                ProgressTask? task = null;
                return await job(new SynchronousProgress(p =>
                {
                    Start(p);
                    task ??= context.AddTask("train-sae", maxValue: p.TotalTokens);
                    task.Value = p.Tokens;
                    task.Description = ProgressDisplay.Fit($"train-sae: {Describe(p)}");
                }));
            });
    }

    private sealed class SynchronousProgress(Action<TrainProgress> report) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value) => report(value);
    }
}
