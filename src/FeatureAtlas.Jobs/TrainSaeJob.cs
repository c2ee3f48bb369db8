using System.Text.Json.Nodes;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.IO;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Training;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Trains an SAE on a model's activations at one hook over a stored corpus, resumably: activations stream from
/// forward passes through a bounded shuffling buffer into <see cref="SaeTrainer"/> steps; the trainer, buffer
/// and corpus position are checkpointed atomically (temp file, then rename) every interval and on
/// cancellation, so rerunning the same command continues where it stopped, with exactly the batches an
/// uninterrupted run would have drawn. The result is an SAELens folder; the checkpoint is deleted after it is written.
/// </summary>
public static class TrainSaeJob
{
    private const string Magic = "FeatureAtlas train-sae checkpoint v1";
    private const int SpecialToken = 50256;

    public static async Task<SparseAutoencoder> RunAsync(TrainSaeJobOptions options, ICorpusStore corpora, IProgress<TrainProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(corpora);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BufferBatches);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchWindows);
        var training = options.Training;
        training.Validate();

        // Every input error surfaces before the model is loaded or a token is read.
        var config = Gpt2Config.Load(Path.Combine(options.ModelDirectory, "config.json"));
        var dIn = SaeInitializer.InputWidth(config, options.HookName);
        var corpus = await corpora.GetCorpusAsync(options.Corpus, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"No corpus named '{options.Corpus}'; add it with `atlas corpus add`.");
        if (corpus.Windows == 0) throw new InvalidDataException($"Corpus '{corpus.Name}' has no windows.");
        if (corpus.Context > config.Positions) throw new InvalidDataException($"Corpus '{corpus.Name}' has {corpus.Context}-token windows, longer than the model's n_positions {config.Positions}.");

        var model = Gpt2Model.Load(options.ModelDirectory, options.Processing);
        var modelName = options.ModelName ?? model.Name;
        var key = JobKey(options, config, corpus);
        Directory.CreateDirectory(options.CheckpointDirectory);
        var checkpointPath = Path.Combine(options.CheckpointDirectory, $"train-sae-{key}.ckpt");
        var batch = training.BatchTokens;
        var capacity = checked(batch * options.BufferBatches + options.BatchWindows * corpus.Context);

        SaeTrainer trainer;
        ShuffleBuffer buffer;
        long windowsRead;
        if (File.Exists(checkpointPath))
        {
            (trainer, buffer, windowsRead) = Restore(checkpointPath, key, training, dIn);
        }
        else
        {
            trainer = SaeTrainer.Create(training, dIn);
            buffer = new ShuffleBuffer(capacity, dIn, training.Seed);
            windowsRead = 0;
        }

        var source = new ActivationSource(model, options.HookName, dIn, options.ExcludeSpecialTokens);
        var x = new float[(long)batch * dIn];
        var totalTokens = (long)training.Steps * batch;
        var lastCheckpoint = DateTime.UtcNow;
        try
        {
            while (trainer.Step < training.Steps)
            {
                // Refill to at least BufferBatches batches (one forward pass may overshoot by its own rows).
                while (buffer.Count < batch * options.BufferBatches)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var start = (int)(windowsRead % corpus.Windows);
                    var count = Math.Min(options.BatchWindows, corpus.Windows - start);
                    var windows = await corpora.ReadWindowsAsync(corpus.Name, start, count, cancellationToken).ConfigureAwait(false);
                    foreach (var rows in source.Run(windows, corpus.Name, start, config.Vocab)) buffer.Add(rows);
                    windowsRead += count;
                }
                if (trainer.Step == 0 && trainer.TokensSeen == 0)
                {
                    var sampleRows = Math.Min(buffer.Count, 8192);
                    trainer.InitializeDecoderBias(buffer.Rows[..(sampleRows * dIn)], sampleRows);
                }
                buffer.Take(x, batch);
                var result = trainer.TrainStep(x, batch);
                if (!double.IsFinite(result.Loss))
                {
                    throw new InvalidOperationException($"The loss became {result.Loss} at step {result.Step}; lower the learning rate or the sparsity coefficient.");
                }
                progress?.Report(new TrainProgress(result.Step, training.Steps, trainer.TokensSeen, totalTokens, result.Loss, result.MseLoss, result.AuxLoss, result.L0, result.DeadFeatures));
                if (DateTime.UtcNow - lastCheckpoint >= options.CheckpointInterval && trainer.Step < training.Steps)
                {
                    WriteCheckpoint(checkpointPath, key, trainer, buffer, windowsRead);
                    lastCheckpoint = DateTime.UtcNow;
                }
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException)
        {
            WriteCheckpoint(checkpointPath, key, trainer, buffer, windowsRead);
            throw;
        }

        var sae = SparseAutoencoder.FromParameters(BuildConfig(options, modelName, corpus.Name, corpus.Context, dIn), trainer.ExportParameters(), options.OutputDirectory);
        sae.Save(options.OutputDirectory);
        var density = trainer.FeatureDensity().Select(d => (float)Math.Log10(d + 1e-10)).ToArray();
        SafetensorsWriter.Write(Path.Combine(options.OutputDirectory, "sparsity.safetensors"), [new SafetensorsWriter.Entry("sparsity", [density.Length], density)]);
        File.Delete(checkpointPath);
        return SparseAutoencoder.Load(options.OutputDirectory);
    }

    /// <summary>An SAELens 6.x cfg.json for the trained SAE: the layout <see cref="SaeConfig"/> and SAELens both read.</summary>
    private static SaeConfig BuildConfig(TrainSaeJobOptions options, string modelName, string corpus, int context, int dIn)
    {
        var t = options.Training;
        var p = options.Processing;
        var json = new JsonObject
        {
            ["d_in"] = dIn,
            ["d_sae"] = t.DSae,
            ["dtype"] = "float32",
            ["device"] = "cpu",
            ["apply_b_dec_to_input"] = true,
            ["normalize_activations"] = "none",
            ["reshape_activations"] = HookNames.IsZ(options.HookName) ? "hook_z" : "none",
            ["architecture"] = t.Architecture switch { SaeArchitecture.TopK => "topk", SaeArchitecture.JumpRelu => "jumprelu", _ => "standard" },
            ["metadata"] = new JsonObject
            {
                ["model_name"] = modelName,
                ["hook_name"] = options.HookName,
                ["hook_head_index"] = null,
                ["context_size"] = context,
                ["prepend_bos"] = true,
                ["dataset_path"] = corpus,
                ["exclude_special_tokens"] = options.ExcludeSpecialTokens,
                ["model_from_pretrained_kwargs"] = new JsonObject
                {
                    ["fold_ln"] = p.FoldLn, ["center_writing_weights"] = p.CenterWritingWeights,
                    ["center_unembed"] = p.CenterUnembed, ["fold_value_biases"] = p.FoldValueBiases,
                },
                ["sae_lens_version"] = "6.0.0",
            },
        };
        if (t.Architecture == SaeArchitecture.TopK)
        {
            json["k"] = t.K;
            json["rescale_acts_by_decoder_norm"] = false;
        }
        return SaeConfig.Parse(json, "train-sae options");
    }

    private static string JobKey(TrainSaeJobOptions options, Gpt2Config config, Core.Corpora.CorpusInfo corpus)
    {
        var identity = new
        {
            model = Path.GetFullPath(options.ModelDirectory),
            weights = JobCheckpoint.Stamp(Path.Combine(options.ModelDirectory, "model.safetensors")),
            config,
            options.HookName,
            processing = options.Processing.ToString(),
            corpus = new { corpus.Name, corpus.Windows, corpus.Tokens, created = corpus.CreatedAt.UtcTicks },
            training = options.Training,
            output = Path.GetFullPath(options.OutputDirectory),
            options.BufferBatches,
            options.BatchWindows,
            options.ExcludeSpecialTokens,
        };
        return JobCheckpoint.Key(identity);
    }

    private static void WriteCheckpoint(string path, string key, SaeTrainer trainer, ShuffleBuffer buffer, long windowsRead) =>
        JobCheckpoint.Write(path, Magic, key, writer =>
        {
            writer.Write(windowsRead);
            trainer.WriteState(writer);
            buffer.Write(writer);
        });

    private static (SaeTrainer, ShuffleBuffer, long) Restore(string path, string key, SaeTrainingOptions options, int dIn) =>
        JobCheckpoint.Read(path, Magic, key, "this training run", reader =>
        {
            var windowsRead = reader.ReadInt64();
            var trainer = SaeTrainer.ReadState(reader, options, dIn);
            var buffer = ShuffleBuffer.Read(reader);
            return (trainer, buffer, windowsRead);
        });

    /// <summary>Runs windows through the model up to the hook and yields the activation rows to train on.</summary>
    private sealed class ActivationSource(Gpt2Model model, string hook, int width, bool excludeSpecial)
    {
        private float[] _captured = [];

        public IEnumerable<float[]> Run(IReadOnlyList<int[]> windows, string corpus, int first, int vocab)
        {
            var options = new RunOptions
            {
                ComputeLogits = false,
                Hooks = new Dictionary<string, ActivationHook> { [hook] = (_, _, values) => _captured = values.ToArray() },
            };
            var start = 0;
            while (start < windows.Count)
            {
                var length = windows[start].Length;
                var end = start;
                while (end < windows.Count && windows[end].Length == length) end++;
                var tokens = new int[(end - start) * length];
                for (var w = start; w < end; w++)
                {
                    foreach (var t in windows[w])
                    {
                        if ((uint)t >= (uint)vocab) throw new InvalidDataException($"Corpus '{corpus}' window {first + w} has token id {t}, outside this model's vocabulary of {vocab}.");
                    }
                    windows[w].CopyTo(tokens, (w - start) * length);
                }
                model.Run(tokens, end - start, options);
                var keep = excludeSpecial ? tokens.Count(t => t != SpecialToken) : tokens.Length;
                var rows = new float[keep * width];
                var row = 0;
                for (var i = 0; i < tokens.Length; i++)
                {
                    if (excludeSpecial && tokens[i] == SpecialToken) continue;
                    _captured.AsSpan(i * width, width).CopyTo(rows.AsSpan(row++ * width, width));
                }
                yield return rows;
                start = end;
            }
        }
    }
}
