using System.Diagnostics;
using System.Text.Json;
using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Training;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Trains a GPT-2 from scratch on stored corpora, resumably. Every k-th window of each corpus (k = round(1/F) for the
/// held-out fraction F; windows rather than documents because the store keeps windows) is held out; the rest are cut
/// into sequences of T + 1 tokens, shuffled per epoch with the seed, and drawn B at a time. The trainer and the data
/// position are checkpointed atomically (temp file, then rename) every interval and on cancellation, so rerunning
/// continues with exactly the batches an uninterrupted run draws and ends with the same weights. The result is a
/// Hugging Face GPT-2 folder (config.json, model.safetensors) plus training.json with the held-out loss beside an
/// add-one unigram and an interpolated Kneser–Ney bigram fit on the same training tokens.
/// </summary>
public static class TrainLmJob
{
    private const string Magic = "FeatureAtlas train-lm checkpoint v1";
    private const int Vocab = 50257;

    public static async Task<TrainLmResult> RunAsync(TrainLmJobOptions options, ICorpusStore corpora, IProgress<TrainLmProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(corpora);
        var watch = Stopwatch.StartNew();
        var config = Validate(options);
        var heldOutEvery = HeldOutEvery(options.HeldOutFraction);
        var infos = await CorpusSequences.ReadInfosAsync(corpora, options.Corpora, cancellationToken).ConfigureAwait(false);
        foreach (var info in infos)
        {
            if (options.Context + 1 > info.Context)
            {
                throw new InvalidDataException($"--ctx {options.Context} needs windows of {options.Context + 1} tokens, but corpus '{info.Name}' has {info.Context}-token windows; use --ctx {info.Context - 1} or less.");
            }
        }
        if (Directory.Exists(options.OutputDirectory) && Directory.EnumerateFileSystemEntries(options.OutputDirectory).Any())
        {
            throw new IOException($"--out {options.OutputDirectory} already exists and is not empty; choose another folder or delete it.");
        }

        // Sequences of T + 1 tokens: each window cut into ⌊(W − 1)/T⌋ pieces that overlap by one token.
        var (train, heldOut) = await CorpusSequences.SplitAsync(corpora, infos, options.Context + 1, options.Context, heldOutEvery, Vocab, cancellationToken).ConfigureAwait(false);

        var batch = options.Batch;
        var steps = (int)Math.Clamp(options.Tokens / ((long)batch * options.Context), 1, int.MaxValue);
        var targetCounts = TargetCounts(train);
        if (options.MinTokenCount > 0 && !targetCounts.Any(c => c >= options.MinTokenCount))
        {
            throw new InvalidDataException($"No token is a training target {options.MinTokenCount} times in these corpora; lower --min-count (0 gives every token its own row).");
        }
        var vocabulary = SharedRowVocabulary.FromCounts(targetCounts, options.MinTokenCount);
        var trainIds = train.Select(s => Compact(vocabulary, s)).ToList();
        var heldOutIds = heldOut.Select(s => Compact(vocabulary, s)).ToList();
        var training = new LanguageModelTrainingOptions
        {
            Steps = steps, LearningRate = options.LearningRate, WarmupSteps = Math.Min(options.WarmupSteps, steps),
            WeightDecay = options.WeightDecay, SharedRowTokens = Math.Max(1, vocabulary.SharedTokens), DistillWeight = options.DistillWeight,
            DistillHold = options.DistillHold,
        };
        // The teacher is a Kneser-Ney n-gram model of the whole training split.
        var teacher = options.DistillWeight > 0 ? NgramTeacher.Fit(trainIds, vocabulary.Size, options.DistillOrder) : null;
        var key = JobKey(options, infos);
        Directory.CreateDirectory(options.CheckpointDirectory);
        var checkpointPath = Path.Combine(options.CheckpointDirectory, $"train-lm-{key}.ckpt");
        var initial = vocabulary.Compact(Initialize(config, options.Seed, options.CheckpointDirectory, key));
        LanguageModelTrainer trainer;
        long cursor;
        double? heldOutLoss;
        if (File.Exists(checkpointPath))
        {
            (trainer, cursor, heldOutLoss) = JobCheckpoint.Read(checkpointPath, Magic, key, "this train-lm run", reader =>
            {
                var restored = LanguageModelTrainer.ReadState(reader, initial, training, teacher);
                var position = reader.ReadInt64();
                double? loss = reader.ReadBoolean() ? reader.ReadDouble() : null;
                return (restored, position, loss);
            });
        }
        else
        {
            (trainer, cursor, heldOutLoss) = (LanguageModelTrainer.Create(initial, training, teacher), 0L, null);
        }

        var order = new EpochOrder(trainIds.Count, options.Seed);
        var sample = heldOutIds.Take(Math.Max(1, options.ProgressEvalTokens / options.Context)).ToList();
        var tokens = new int[batch * (options.Context + 1)];
        var totalTokens = (long)steps * batch * options.Context;
        var lastCheckpoint = DateTime.UtcNow;
        var lastLoss = double.NaN;
        try
        {
            while (trainer.Step < steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (var b = 0; b < batch; b++) trainIds[order.At(cursor + b)].CopyTo(tokens, b * (options.Context + 1));
                var result = trainer.TrainStep(tokens, batch);
                cursor += batch;
                if (!double.IsFinite(result.Loss)) throw new InvalidOperationException($"The loss became {result.Loss} at step {result.Step}; lower --lr.");
                lastLoss = result.Loss;
                if (result.Step == 1 || result.Step % options.EvalEverySteps == 0 || result.Step == steps) heldOutLoss = Evaluate(trainer, sample, batch);
                progress?.Report(new TrainLmProgress(result.Step, steps, trainer.TokensSeen, totalTokens, result.Loss, heldOutLoss));
                if (DateTime.UtcNow - lastCheckpoint >= options.CheckpointInterval && trainer.Step < steps)
                {
                    WriteCheckpoint(checkpointPath, key, trainer, cursor, heldOutLoss);
                    lastCheckpoint = DateTime.UtcNow;
                }
            }
        }
        catch (OperationCanceledException)
        {
            WriteCheckpoint(checkpointPath, key, trainer, cursor, heldOutLoss);
            throw;
        }

        var finalLoss = Evaluate(trainer, heldOutIds, batch);
        var model = vocabulary.Expand(trainer.Weights);
        CheckExpanded(model, trainer, heldOut, heldOutIds, batch);
        var baselines = NgramBaselines.Fit(train, Vocab);
        var (unigram, bigram, heldOutTargets) = baselines.CrossEntropy(heldOut);
        var report = new TrainLmResult
        {
            Corpora = infos.Select(i => i.Name).ToArray(), Layers = options.Layers, DModel = options.DModel, Heads = options.Heads, Context = options.Context,
            Steps = steps, TrainTokens = trainer.TokensSeen, MinTokenCount = options.MinTokenCount, OwnRowTokens = vocabulary.Kept.Count,
            HeldOutEvery = heldOutEvery, HeldOutTokens = heldOutTargets,
            FinalTrainLoss = lastLoss, HeldOutLoss = finalLoss, UnigramLoss = unigram, BigramLoss = bigram,
            SplitTokens = baselines.Targets, DistillWeight = options.DistillWeight, DistillOrder = teacher?.Order ?? 0, DistillHold = options.DistillHold,
            TeacherLoss = teacher is null ? null : TeacherLoss(teacher, vocabulary, heldOutIds), Seconds = watch.Elapsed.TotalSeconds,
        };
        WriteModel(options.OutputDirectory, model, report);
        File.Delete(checkpointPath);
        return report;
    }

    /// <summary>Reads training.json from a folder <see cref="RunAsync"/> wrote, or null when there is none.</summary>
    public static TrainLmResult? ReadReport(string directory)
    {
        var path = Path.Combine(directory, TrainLmResult.FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<TrainLmResult>(File.ReadAllText(path)) : null;
    }

    /// <summary>k for a held-out fraction F: every k-th window is held out.</summary>
    public static int HeldOutEvery(double fraction)
    {
        if (!(fraction is > 0 and <= 0.5)) throw new ArgumentException($"--held-out-fraction must lie in (0, 0.5], found {fraction}.");
        return (int)Math.Max(2, Math.Round(1 / fraction));
    }

    private static Gpt2Config Validate(TrainLmJobOptions o)
    {
        if (o.Corpora.Count == 0) throw new ArgumentException("Name at least one corpus (--corpus).");
        if (o.Layers < 1) throw new ArgumentException($"--layers must be at least 1, found {o.Layers}.");
        if (o.DModel < 1 || o.Heads < 1) throw new ArgumentException($"--d-model and --heads must be positive, found {o.DModel} and {o.Heads}.");
        if (o.DModel % o.Heads != 0) throw new ArgumentException($"--d-model {o.DModel} is not divisible by --heads {o.Heads}.");
        if (o.Context < 1) throw new ArgumentException($"--ctx must be at least 1, found {o.Context}.");
        if (o.Batch < 1) throw new ArgumentException($"--batch must be at least 1, found {o.Batch}.");
        if (o.Tokens < 1) throw new ArgumentException($"--tokens must be positive, found {o.Tokens}.");
        if (!(o.LearningRate > 0)) throw new ArgumentException($"--lr must be positive, found {o.LearningRate}.");
        if (!(o.WeightDecay is >= 0 and < 1)) throw new ArgumentException($"--weight-decay must lie in [0, 1), found {o.WeightDecay}.");
        if (o.WarmupSteps < 0) throw new ArgumentException($"--warmup must not be negative, found {o.WarmupSteps}.");
        if (!(o.DistillWeight is >= 0 and <= 1)) throw new ArgumentException($"--distill must lie in [0, 1], found {o.DistillWeight}.");
        if (!(o.DistillHold is >= 0 and <= 1)) throw new ArgumentException($"--distill-hold must lie in [0, 1], found {o.DistillHold}.");
        if (o.DistillOrder is < 2 or > 4) throw new ArgumentException($"--distill-order must be 2, 3 or 4, found {o.DistillOrder}.");
        if (o.MinTokenCount < 0) throw new ArgumentException($"--min-count must not be negative, found {o.MinTokenCount}.");
        HeldOutEvery(o.HeldOutFraction);
        var config = new Gpt2Config { Layers = o.Layers, DModel = o.DModel, Heads = o.Heads, Positions = o.Context + 1, Vocab = Vocab, DMlp = 4 * o.DModel };
        config.Validate("train-lm options");
        return config;
    }

    /// <summary>How often each token is a training target (position 1..T of a sequence; position 0 is the previous one's last).</summary>
    private static long[] TargetCounts(List<int[]> train)
    {
        var counts = new long[Vocab];
        foreach (var sequence in train)
        {
            for (var i = 1; i < sequence.Length; i++) counts[sequence[i]]++;
        }
        return counts;
    }

    private static int[] Compact(SharedRowVocabulary vocabulary, int[] sequence)
    {
        var ids = new int[sequence.Length];
        vocabulary.ToCompact(sequence, ids);
        return ids;
    }

    /// <summary>
    /// The full GPT-2 about to be saved must give, on the full vocabulary, the held-out loss the compact one reports
    /// (they are the same function; see <see cref="SharedRowVocabulary"/>): checked on the first held-out batch.
    /// </summary>
    private static void CheckExpanded(Gpt2Weights full, LanguageModelTrainer trainer, List<int[]> heldOut, List<int[]> heldOutIds, int batch)
    {
        var count = Math.Min(batch, heldOut.Count);
        var (fullNats, targets) = LanguageModelTrainer.Evaluate(Gpt2Model.FromWeights(full), heldOut.Take(count).SelectMany(s => s).ToArray(), count);
        var (compactNats, _) = trainer.Evaluate(heldOutIds.Take(count).SelectMany(s => s).ToArray(), count);
        if (Math.Abs(fullNats - compactNats) > 1e-3 * Math.Abs(fullNats) + 1e-6 * targets)
        {
            throw new InvalidOperationException($"The saved model's held-out loss ({fullNats / targets:F5}) differs from the trained one's ({compactNats / targets:F5}).");
        }
    }

    private static double Evaluate(LanguageModelTrainer trainer, List<int[]> sequences, int batch)
    {
        var model = Gpt2Model.FromWeights(trainer.Weights);
        double nats = 0;
        long targets = 0;
        for (var i = 0; i < sequences.Count; i += batch)
        {
            var count = Math.Min(batch, sequences.Count - i);
            var tokens = sequences.Skip(i).Take(count).SelectMany(s => s).ToArray();
            var (n, c) = LanguageModelTrainer.Evaluate(model, tokens, count, trainer.Options.SharedRowTokens);
            nats += n;
            targets += c;
        }
        return nats / targets;
    }

    /// <summary>
    /// The teacher's held-out cross-entropy on the compact ids: a target in the shared row stands for n tokens and gets
    /// 1/n of that row's probability, so the figure is a full-vocabulary loss like the model's.
    /// </summary>
    private static double TeacherLoss(NgramTeacher teacher, SharedRowVocabulary vocabulary, List<int[]> sequences)
    {
        var shared = vocabulary.SharedTokens > 0 ? vocabulary.Size - 1 : -1;
        double nats = 0;
        long targets = 0;
        foreach (var s in sequences)
        {
            for (var i = 1; i < s.Length; i++, targets++)
            {
                nats -= Math.Log(teacher.Probability(s.AsSpan(0, i), s[i]));
                if (s[i] == shared) nats += Math.Log(vocabulary.SharedTokens);
            }
        }
        return nats / targets;
    }

    /// <summary>The seeded initialisation (GPT-2's, <see cref="Gpt2Initializer"/>), made through a scratch folder.</summary>
    private static Gpt2Weights Initialize(Gpt2Config config, ulong seed, string scratch, string key)
    {
        var folder = Path.Combine(scratch, $"train-lm-{key}.init");
        try
        {
            Gpt2Initializer.Write(folder, config, seed);
            return Gpt2Model.Load(folder).Weights;
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Writes the folder under a temporary name and renames it, so a stop or a full disk never leaves half a model.</summary>
    private static void WriteModel(string directory, Gpt2Weights weights, TrainLmResult report)
    {
        var temp = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        SafetensorsWriter.Write(Path.Combine(temp, "model.safetensors"), weights.ToHuggingFace(),
            new Dictionary<string, string> { ["format"] = "pt", ["created_by"] = "atlas train-lm" });
        var indented = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(Path.Combine(temp, "config.json"), weights.Config.ToJson().ToJsonString(indented));
        File.WriteAllText(Path.Combine(temp, TrainLmResult.FileName), JsonSerializer.Serialize(report, indented));
        if (Directory.Exists(directory)) Directory.Delete(directory);   // empty (checked at the start)
        Directory.Move(temp, directory);
    }

    private static string JobKey(TrainLmJobOptions o, List<Core.Corpora.CorpusInfo> infos) => JobCheckpoint.Key(new
    {
        corpora = infos.Select(c => new { c.Name, c.Windows, c.Tokens, created = c.CreatedAt.UtcTicks }).ToArray(),
        o.Layers, o.DModel, o.Heads, o.Context, o.Tokens, o.Batch, o.LearningRate, o.WarmupSteps, o.WeightDecay, o.Seed, o.HeldOutFraction, o.MinTokenCount, o.DistillWeight, o.DistillOrder, o.DistillHold,
        output = Path.GetFullPath(o.OutputDirectory),
    });

    private static void WriteCheckpoint(string path, string key, LanguageModelTrainer trainer, long cursor, double? heldOutLoss) =>
        JobCheckpoint.Write(path, Magic, key, writer =>
        {
            trainer.WriteState(writer);
            writer.Write(cursor);
            writer.Write(heldOutLoss.HasValue);
            if (heldOutLoss.HasValue) writer.Write(heldOutLoss.Value);
        });
}
