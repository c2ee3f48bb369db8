using System.CommandLine;
using System.Globalization;
using FeatureAtlas.Data;
using FeatureAtlas.Jobs;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas train-lens</c>: fit a model's tuned lens (one affine translator per layer, KL to the model's own output) on
/// stored corpora and write it beside the model (<c>tuned_lens/</c>), where <c>atlas lens --lens tuned</c>, the lens
/// page and <c>POST /api/lens</c> find it; resumable.
/// </summary>
internal static class TrainLensCommand
{
    public static Command Create()
    {
        var defaults = new TrainLensJobOptions { ModelDirectory = "", Corpora = [], CheckpointDirectory = "" };
        var model = CliOptions.Model("A Hugging Face GPT-2 folder, or the name of a model in the store (--db).");
        var corpus = new Option<string[]>("--corpus") { Description = "Corpora added with `atlas corpus add` (repeat the option for several).", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string?>("--out") { Description = "Folder for the lens (default: tuned_lens/ in the model folder, where the runtime looks)." };
        var force = new Option<bool>("--force") { Description = "Replace a lens already there." };
        var ctx = new Option<int?>("--ctx") { Description = "Tokens per sequence (default: min(128, n_positions, the corpus window))." };
        var tokens = new Option<long>("--tokens") { Description = "Training tokens (steps = tokens / (batch × ctx)).", DefaultValueFactory = _ => defaults.Tokens };
        var batch = new Option<int>("--batch") { Description = "Sequences per optimiser step.", DefaultValueFactory = _ => defaults.Batch };
        var lr = new Option<float>("--lr") { Description = "Peak AdamW learning rate (linear warm-up, then linear decay to 0).", DefaultValueFactory = _ => defaults.LearningRate };
        var warmup = new Option<int>("--warmup") { Description = "Steps of linear warm-up.", DefaultValueFactory = _ => defaults.WarmupSteps };
        var weightDecay = new Option<float>("--weight-decay") { Description = "AdamW weight decay on the translators' matrices.", DefaultValueFactory = _ => defaults.WeightDecay };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the shuffling.", DefaultValueFactory = _ => defaults.Seed };
        var heldOut = new Option<double>("--held-out-fraction") { Description = "Share of windows held out for the final KL (every round(1/F)-th window).", DefaultValueFactory = _ => defaults.HeldOutFraction };
        var checkpoints = new Option<string>("--checkpoint-dir") { Description = "Where the resumable checkpoint lives.", DefaultValueFactory = _ => Path.Combine(".atlas", "checkpoints") };
        var checkpointSeconds = new Option<double>("--checkpoint-seconds") { Description = "Seconds between checkpoints.", DefaultValueFactory = _ => 60 };
        var db = StoreOptions.Db();
        var command = new Command("train-lens", "Fit a tuned lens (one affine translator per layer, trained by KL to the model's output) on stored corpora (resumable: rerun to continue).")
        {
            model, corpus, output, force, ctx, tokens, batch, lr, warmup, weightDecay, seed, heldOut, checkpoints, checkpointSeconds, db,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (directory, name) = await GenerationCli.ResolveModelAsync(parse.GetValue(model)!, parse.GetValue(db)!, cancellationToken);
            var options = new TrainLensJobOptions
            {
                ModelDirectory = directory, Corpora = parse.GetValue(corpus)!, OutputDirectory = parse.GetValue(output), Replace = parse.GetValue(force),
                CheckpointDirectory = parse.GetValue(checkpoints)!, Context = parse.GetValue(ctx), Tokens = parse.GetValue(tokens), Batch = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr), WarmupSteps = parse.GetValue(warmup), WeightDecay = parse.GetValue(weightDecay), Seed = parse.GetValue(seed),
                HeldOutFraction = parse.GetValue(heldOut), CheckpointInterval = TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(checkpointSeconds))),
            };
            using var stop = StopSignal.Register(cancellationToken);
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, stop.Token);
            try
            {
                var result = await RunWithProgress(progress => TrainLensJob.RunAsync(options, store.Corpora, progress, stop.Token));
                AnsiConsole.MarkupLine(Markup.Escape(Summary(name, result)));
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

    /// <summary>The closing lines: what was fitted and the held-out KL per layer beside the logit lens's.</summary>
    internal static string Summary(string model, TrainLensResult r)
    {
        var layers = string.Join(", ", r.HeldOutKl.Select((kl, l) =>
            string.Create(CultureInfo.InvariantCulture, $"{l}: {kl:F3} ({r.LogitLensHeldOutKl[l]:F3})")));
        return $"Fitted the tuned lens of {model} on {r.TrainTokens:N0} tokens of {string.Join(" + ", r.Corpora)} in {r.Steps:N0} steps ({r.Seconds:F0} s); " +
            $"written to {r.OutputDirectory}.\nHeld-out KL to the model's output, nats/token, tuned (logit lens) over {r.HeldOutTokens:N0} tokens, by layer: {layers}.";
    }

    /// <summary>A progress bar with tokens/s, the KL and ETA; plain lines every 10 s without a terminal.</summary>
    private static Task<T> RunWithProgress<T>(Func<IProgress<TrainLensProgress>, Task<T>> job) =>
        TrainingProgress.RunAsync("train-lens", job, p => new TrainingProgress.Position(p.Step, p.Steps, p.Tokens, p.TotalTokens), p => $"KL {p.Loss:F4}");
}
