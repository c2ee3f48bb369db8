using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Evaluates one SAE over the first tokens of a stored corpus (<see cref="SaeEvaluator"/>) and stores the
/// figures as the SAE's evaluation, registering the model and SAE in the store first if they are not there.
/// </summary>
public static class EvalJob
{
    public static async Task<SaeEvalRecord> RunAsync(EvalJobOptions options, ICorpusStore corpora, IModelStore saes, ISaeEvalStore evals,
        IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchWindows);

        // Every input error surfaces before a forward pass: a missing corpus, an SAE that does not fit the model.
        var config = Gpt2Config.Load(Path.Combine(options.ModelDirectory, "config.json"));
        var sae = SparseAutoencoder.Load(options.SaeDirectory);
        sae.CheckFits(config);
        var corpus = await corpora.GetCorpusAsync(options.Corpus, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"No corpus named '{options.Corpus}'; add it with `atlas corpus add`.");
        var windows = (int)Math.Min(corpus.Windows, (options.Tokens + corpus.Context - 1) / corpus.Context);
        if (windows == 0) throw new InvalidDataException($"Corpus '{corpus.Name}' has no windows.");

        var model = Gpt2Model.Load(options.ModelDirectory, options.Processing ?? InferenceSession.ProcessingFor([sae]));
        var modelName = options.ModelName ?? model.Name;
        var evaluator = new SaeEvaluator(model, sae);
        var total = (long)windows * corpus.Context;
        progress?.Report(new JobProgress("tokens", 0, total));
        long done = 0;
        for (var next = 0; next < windows;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(options.BatchWindows, windows - next);
            var batch = await corpora.ReadWindowsAsync(corpus.Name, next, count, cancellationToken).ConfigureAwait(false);
            foreach (var group in batch.GroupBy(w => w.Length))
            {
                var windowsOfLength = group.ToArray();
                foreach (var window in windowsOfLength)
                {
                    if (window.Any(t => (uint)t >= (uint)config.Vocab)) throw new InvalidDataException($"Corpus '{corpus.Name}' has a token id outside this model's vocabulary of {config.Vocab}.");
                }
                if (group.Key >= 2) evaluator.Add(windowsOfLength.SelectMany(w => w).ToArray(), windowsOfLength.Length);
                done += (long)group.Key * windowsOfLength.Length;
            }
            next += batch.Count;
            progress?.Report(new JobProgress("tokens", done, total));
        }
        var result = evaluator.Finish();
        if (options.MetaSae is { } meta)
        {
            progress?.Report(new JobProgress("meta-sae steps", 0, meta.Steps));
            var steps = new Progress<int>(done => progress?.Report(new JobProgress("meta-sae steps", done, meta.Steps)));
            var (fve, _) = MetaSae.Evaluate(sae.Parameters.WDec, sae.DSae, sae.DIn, meta, steps, cancellationToken);
            result = result with { DecoderFractionVarianceExplained = fve };
        }

        await saes.UpsertModelAsync(new ModelRecord(modelName, Path.GetFullPath(options.ModelDirectory),
            File.ReadAllText(Path.Combine(options.ModelDirectory, "config.json")), config.Layers, config.DModel, config.Vocab), cancellationToken).ConfigureAwait(false);
        if (await saes.GetSaeAsync(modelName, sae.Name, cancellationToken).ConfigureAwait(false) is null)
        {
            await saes.UpsertSaeAsync(SaeRecord.Of(modelName, sae, options.SaeDirectory), cancellationToken).ConfigureAwait(false);
        }
        var record = new SaeEvalRecord(sae.Name, sae.HookName, corpus.Name, result, DateTimeOffset.UtcNow);
        await evals.SaveEvalAsync(modelName, sae.Name, record, cancellationToken).ConfigureAwait(false);
        return record;
    }
}
