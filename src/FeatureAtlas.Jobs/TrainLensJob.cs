using System.Diagnostics;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Training;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Fits a model's tuned lens on stored corpora, resumably (<see cref="TunedLensTrainer"/>). Every k-th window of each
/// corpus (k = round(1/F)) is held out; the rest are cut into sequences of T tokens, shuffled per epoch with the seed
/// and drawn B at a time. The trainer and the data position are checkpointed atomically (temp file, then rename)
/// every interval and on cancellation, so rerunning continues with exactly the batches an uninterrupted run draws
/// and ends with the same lens. At the end the held-out KL per layer of the tuned lens and of the logit lens are
/// measured and the lens is written beside the model (<c>tuned_lens/</c>), where the runtime finds it.
/// </summary>
public static class TrainLensJob
{
    private const string Magic = "FeatureAtlas train-lens checkpoint v1";

    public static async Task<TrainLensResult> RunAsync(TrainLensJobOptions options, ICorpusStore corpora, IProgress<TrainLensProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(corpora);
        var watch = Stopwatch.StartNew();
        var model = Gpt2Model.Load(options.ModelDirectory);
        var c = model.Config;
        if (c.Layers < 2) throw new ArgumentException($"A tuned lens needs at least 2 layers; the model has {c.Layers}.");
        var output = options.OutputDirectory ?? TunedLens.DirectoryFor(options.ModelDirectory);
        if (!options.Replace && Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
        {
            throw new IOException($"{output} already holds a tuned lens; pass --force to replace it, or --out another folder.");
        }
        if (options.Batch < 1) throw new ArgumentException($"--batch must be at least 1, found {options.Batch}.");
        if (options.Tokens < 1) throw new ArgumentException($"--tokens must be positive, found {options.Tokens}.");
        if (options.Corpora.Count == 0) throw new ArgumentException("Name at least one corpus (--corpus).");
        var heldOutEvery = TrainLmJob.HeldOutEvery(options.HeldOutFraction);

        var infos = await CorpusSequences.ReadInfosAsync(corpora, options.Corpora, cancellationToken).ConfigureAwait(false);
        var context = options.Context ?? Math.Min(Math.Min(128, c.Positions), infos.Min(i => i.Context));
        if (context < 1 || context > c.Positions) throw new ArgumentException($"--ctx must lie in 1..{c.Positions} (the model's n_positions), found {context}.");
        foreach (var info in infos)
        {
            if (context > info.Context) throw new InvalidDataException($"--ctx {context} is longer than corpus '{info.Name}''s {info.Context}-token windows; use --ctx {info.Context} or less.");
        }
        // Sequences of T tokens: each window cut into ⌊W/T⌋ pieces.
        var (train, heldOut) = await CorpusSequences.SplitAsync(corpora, infos, context, context, heldOutEvery, c.Vocab, cancellationToken).ConfigureAwait(false);

        var steps = (int)Math.Clamp(options.Tokens / ((long)options.Batch * context), 1, int.MaxValue);
        var training = new TunedLensTrainingOptions
        {
            Steps = steps, LearningRate = options.LearningRate, WarmupSteps = Math.Min(options.WarmupSteps, steps), WeightDecay = options.WeightDecay,
        };
        training.Validate();
        var key = JobCheckpoint.Key(new
        {
            model = Path.GetFullPath(options.ModelDirectory), stamp = JobCheckpoint.Stamp(Path.Combine(options.ModelDirectory, "model.safetensors")),
            corpora = infos.Select(i => new { i.Name, i.Windows, i.Tokens, created = i.CreatedAt.UtcTicks }).ToArray(),
            context, options.Tokens, options.Batch, options.LearningRate, options.WarmupSteps, options.WeightDecay, options.Seed, options.HeldOutFraction,
            output = Path.GetFullPath(output),
        });
        Directory.CreateDirectory(options.CheckpointDirectory);
        var checkpointPath = Path.Combine(options.CheckpointDirectory, $"train-lens-{key}.ckpt");
        var lens = TunedLens.CreateIdentity(c);
        TunedLensTrainer trainer;
        long cursor;
        if (File.Exists(checkpointPath))
        {
            (trainer, cursor) = JobCheckpoint.Read(checkpointPath, Magic, key, "this train-lens run",
                reader => (TunedLensTrainer.ReadState(reader, model, lens, training), reader.ReadInt64()));
        }
        else
        {
            (trainer, cursor) = (TunedLensTrainer.Create(model, lens, training), 0L);
        }

        var order = new EpochOrder(train.Count, options.Seed);
        var tokens = new int[options.Batch * context];
        var totalTokens = (long)steps * options.Batch * context;
        var lastCheckpoint = DateTime.UtcNow;
        try
        {
            while (trainer.Step < steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (var b = 0; b < options.Batch; b++) train[order.At(cursor + b)].CopyTo(tokens, b * context);
                var result = trainer.TrainStep(tokens, options.Batch);
                cursor += options.Batch;
                if (!double.IsFinite(result.Loss)) throw new InvalidOperationException($"The loss became {result.Loss} at step {result.Step}; lower --lr.");
                progress?.Report(new TrainLensProgress(result.Step, steps, trainer.TokensSeen, totalTokens, result.Loss));
                if (DateTime.UtcNow - lastCheckpoint >= options.CheckpointInterval && trainer.Step < steps)
                {
                    WriteCheckpoint(checkpointPath, key, trainer, cursor);
                    lastCheckpoint = DateTime.UtcNow;
                }
            }
        }
        catch (OperationCanceledException)
        {
            WriteCheckpoint(checkpointPath, key, trainer, cursor);
            throw;
        }

        var evaluation = heldOut.Take(Math.Max(1, options.EvalTokens / context)).ToList();
        var tunedKl = Evaluate(model, lens, evaluation, options.Batch, context);
        var logitKl = Evaluate(model, TunedLens.CreateIdentity(c), evaluation, options.Batch, context);
        var result2 = new TrainLensResult(output, infos.Select(i => i.Name).ToArray(), steps, trainer.TokensSeen, evaluation.Count * context, tunedKl, logitKl,
            watch.Elapsed.TotalSeconds);
        lens.Save(output, new JsonObject
        {
            ["created_by"] = "atlas train-lens", ["corpora"] = new JsonArray(result2.Corpora.Select(n => (JsonNode)n!).ToArray()),
            ["steps"] = steps, ["tokens"] = trainer.TokensSeen, ["context"] = context, ["batch"] = options.Batch, ["lr"] = options.LearningRate,
            ["held_out_tokens"] = result2.HeldOutTokens,
            ["held_out_kl"] = new JsonArray(tunedKl.Select(x => (JsonNode)x).ToArray()),
            ["logit_lens_held_out_kl"] = new JsonArray(logitKl.Select(x => (JsonNode)x).ToArray()),
        });
        File.Delete(checkpointPath);
        return result2;
    }

    /// <summary>Mean KL per translated layer over <paramref name="sequences"/>, weighted by tokens.</summary>
    private static double[] Evaluate(Gpt2Model model, TunedLens lens, List<int[]> sequences, int batch, int context)
    {
        var sums = new double[lens.Translators];
        long count = 0;
        for (var i = 0; i < sequences.Count; i += batch)
        {
            var n = Math.Min(batch, sequences.Count - i);
            var tokens = sequences.Skip(i).Take(n).SelectMany(s => s).ToArray();
            var objective = TunedLensTrainer.Objective(model, lens, tokens, n, withGradients: false);
            for (var l = 0; l < sums.Length; l++) sums[l] += objective.LayerKl[l] * tokens.Length;
            count += tokens.Length;
        }
        return sums.Select(s => s / Math.Max(1, count)).ToArray();
    }

    private static void WriteCheckpoint(string path, string key, TunedLensTrainer trainer, long cursor) =>
        JobCheckpoint.Write(path, Magic, key, writer =>
        {
            trainer.WriteState(writer);
            writer.Write(cursor);
        });
}
