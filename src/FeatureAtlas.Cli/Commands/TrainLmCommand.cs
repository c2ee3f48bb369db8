using System.CommandLine;
using FeatureAtlas.Data;
using FeatureAtlas.Jobs;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary><c>atlas train-lm</c>: train a GPT-2 from scratch on stored corpora into a Hugging Face folder; resumable.</summary>
internal static class TrainLmCommand
{
    public static Command Create()
    {
        var defaults = new TrainLmJobOptions { Corpora = [], OutputDirectory = "", CheckpointDirectory = "" };
        var corpus = new Option<string[]>("--corpus") { Description = "Corpora added with `atlas corpus add` (repeat the option for several).", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "Folder for the Hugging Face checkpoint (config.json, model.safetensors, training.json).", Required = true };
        var layers = new Option<int>("--layers") { Description = "Transformer blocks.", DefaultValueFactory = _ => defaults.Layers };
        var dModel = new Option<int>("--d-model") { Description = "Residual width (d_mlp is 4 × this).", DefaultValueFactory = _ => defaults.DModel };
        var heads = new Option<int>("--heads") { Description = "Attention heads (must divide --d-model).", DefaultValueFactory = _ => defaults.Heads };
        var ctx = new Option<int>("--ctx") { Description = "Tokens per training sequence; n_positions is this + 1, at most the corpus window.", DefaultValueFactory = _ => defaults.Context };
        var tokens = new Option<long>("--tokens") { Description = "Training tokens (steps = tokens / (batch × ctx)).", DefaultValueFactory = _ => defaults.Tokens };
        var batch = new Option<int>("--batch") { Description = "Sequences per optimiser step.", DefaultValueFactory = _ => defaults.Batch };
        var lr = new Option<float>("--lr") { Description = "Peak AdamW learning rate (cosine decay to a tenth).", DefaultValueFactory = _ => defaults.LearningRate };
        var warmup = new Option<int>("--warmup") { Description = "Steps of linear warm-up.", DefaultValueFactory = _ => defaults.WarmupSteps };
        var weightDecay = new Option<float>("--weight-decay") { Description = "AdamW's weight decay on the matrices (wte, wpe, Conv1D weights).", DefaultValueFactory = _ => defaults.WeightDecay };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the initialisation and the shuffling.", DefaultValueFactory = _ => defaults.Seed };
        var minCount = new Option<int>("--min-count")
        {
            Description = "Tokens that are a training target fewer times share one embedding row, so training's softmax skips them (0: every token its own row); the saved GPT-2 is ordinary and its full-vocabulary loss is reported.",
            DefaultValueFactory = _ => defaults.MinTokenCount,
        };
        var distill = new Option<float>("--distill")
        {
            Description = "Weight α (0–1) of a Kneser–Ney n-gram model of the training split as a soft target, held for --distill-hold of the steps, then falling linearly to 0 at the last (1: the teacher's distributions only; 0: the next token only).",
            DefaultValueFactory = _ => defaults.DistillWeight,
        };
        var distillOrder = new Option<int>("--distill-order")
        {
            Description = "The teacher's order: 2 (the bigram baseline), 3 (trigram) or 4.", DefaultValueFactory = _ => defaults.DistillOrder,
        };
        var distillHold = new Option<double>("--distill-hold")
        {
            Description = "The share of the steps (0–1) α holds before falling linearly to 0 at the last step.", DefaultValueFactory = _ => defaults.DistillHold,
        };
        var heldOut = new Option<double>("--held-out-fraction") { Description = "Share of windows held out for the held-out loss (every round(1/F)-th window).", DefaultValueFactory = _ => defaults.HeldOutFraction };
        var checkpoints = new Option<string>("--checkpoint-dir") { Description = "Where the resumable checkpoint lives.", DefaultValueFactory = _ => Path.Combine(".atlas", "checkpoints") };
        var checkpointSeconds = new Option<double>("--checkpoint-seconds") { Description = "Seconds between checkpoints.", DefaultValueFactory = _ => 60 };
        var db = StoreOptions.Db();
        var command = new Command("train-lm", "Train a small GPT-2 from scratch on stored corpora (resumable: rerun to continue).")
        {
            corpus, output, layers, dModel, heads, ctx, tokens, batch, lr, warmup, weightDecay, seed, minCount, distill, distillOrder, distillHold, heldOut, checkpoints, checkpointSeconds, db,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new TrainLmJobOptions
            {
                Corpora = parse.GetValue(corpus)!, OutputDirectory = parse.GetValue(output)!, CheckpointDirectory = parse.GetValue(checkpoints)!,
                Layers = parse.GetValue(layers), DModel = parse.GetValue(dModel), Heads = parse.GetValue(heads), Context = parse.GetValue(ctx),
                Tokens = parse.GetValue(tokens), Batch = parse.GetValue(batch), LearningRate = parse.GetValue(lr), WarmupSteps = parse.GetValue(warmup), WeightDecay = parse.GetValue(weightDecay),
                Seed = parse.GetValue(seed), MinTokenCount = parse.GetValue(minCount), DistillWeight = parse.GetValue(distill), DistillOrder = parse.GetValue(distillOrder), DistillHold = parse.GetValue(distillHold), HeldOutFraction = parse.GetValue(heldOut),
                CheckpointInterval = TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(checkpointSeconds))),
            };
            using var stop = StopSignal.Register(cancellationToken);
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, stop.Token);
            try
            {
                var result = await RunWithProgress(progress => TrainLmJob.RunAsync(options, store.Corpora, progress, stop.Token));
                AnsiConsole.MarkupLine(Markup.Escape(Summary(result)) + $"; written to [bold]{Markup.Escape(options.OutputDirectory)}[/].");
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

    /// <summary>The closing lines: what was trained, the split, and the held-out loss beside both baselines.</summary>
    internal static string Summary(TrainLmResult r) =>
        $"Trained a {r.Layers}-layer GPT-2 (d_model {r.DModel}, {r.Heads} heads, ctx {r.Context}) on {r.TrainTokens:N0} tokens of {string.Join(" + ", r.Corpora)} " +
        $"in {r.Steps:N0} steps{(r.MinTokenCount > 0 ? $" ({r.OwnRowTokens:N0} tokens seen {r.MinTokenCount}+ times have their own row, the rest share one)" : "")}. Held out: every {r.HeldOutEvery}th window ({r.HeldOutTokens:N0} tokens). Held-out cross-entropy (nats/token): " +
        $"model {r.HeldOutLoss:F3}, Kneser-Ney bigram {r.BigramLoss:F3}, add-one unigram {r.UnigramLoss:F3} (both fit on the {r.SplitTokens:N0} tokens of the training split)" +
        (r.DistillWeight > 0 ? $"; the model was distilled from the Kneser-Ney {NgramName(r.DistillOrder)} of the training split (α {r.DistillWeight:0.##} {Schedule(r.DistillHold)}; its own held-out loss {r.TeacherLoss:F3})" : "");

    private static string Schedule(double hold) => hold >= 1 ? "throughout" : hold > 0 ? $"for {hold:P0} of the steps, then falling to 0" : "falling to 0";

    private static string NgramName(int order) => order switch { 2 => "bigram", 3 => "trigram", _ => $"{order}-gram" };

    /// <summary>A progress bar with tokens/s, loss, held-out loss and ETA; plain lines every 10 s without a terminal.</summary>
    internal static Task<T> RunWithProgress<T>(Func<IProgress<TrainLmProgress>, Task<T>> job) =>
        TrainingProgress.RunAsync(
            "train-lm", job, p => new TrainingProgress.Position(p.Step, p.Steps, p.Tokens, p.TotalTokens),
            p => $"loss {p.Loss:F3}" + (p.HeldOutLoss is { } h ? $", held-out {h:F3}" : ""));
}
