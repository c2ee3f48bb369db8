using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Transcoders;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Evaluates a replacement model (one transcoder per MLP, <see cref="ReplacementModelEvaluator"/>) over the first
/// windows of a stored corpus, with progress and cancellation; the result is returned, not stored.
/// </summary>
public static class ReplacementEvalJob
{
    public static async Task<ReplacementEvalResult> RunAsync(string modelDirectory, IReadOnlyList<string> transcoderDirectories, string corpusName, long tokens,
        int batchWindows, WeightProcessing processing, ICorpusStore corpora, IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transcoderDirectories);
        ArgumentNullException.ThrowIfNull(corpora);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchWindows);
        // Every input error surfaces before a forward pass: transcoders that do not fit, a missing corpus.
        var config = Gpt2Config.Load(Path.Combine(modelDirectory, "config.json"));
        var transcoders = transcoderDirectories.Select(Transcoder.Load).ToArray();
        Core.Graphs.GraphBuilder.Arrange(config, transcoders);
        var corpus = await corpora.GetCorpusAsync(corpusName, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"No corpus named '{corpusName}'; add it with `atlas corpus add`.");
        var windows = (int)Math.Min(corpus.Windows, (tokens + corpus.Context - 1) / corpus.Context);
        if (windows == 0) throw new InvalidDataException($"Corpus '{corpus.Name}' has no windows.");

        var evaluator = new ReplacementModelEvaluator(Gpt2Model.Load(modelDirectory, processing), transcoders);
        var total = (long)windows * corpus.Context;
        progress?.Report(new JobProgress("tokens", 0, total));
        long done = 0;
        for (var next = 0; next < windows;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = await corpora.ReadWindowsAsync(corpus.Name, next, Math.Min(batchWindows, windows - next), cancellationToken).ConfigureAwait(false);
            foreach (var group in batch.GroupBy(w => w.Length))
            {
                var windowsOfLength = group.ToArray();
                if (windowsOfLength.Any(w => w.Any(t => (uint)t >= (uint)config.Vocab))) throw new InvalidDataException($"Corpus '{corpus.Name}' has a token id outside this model's vocabulary of {config.Vocab}.");
                if (group.Key >= 2) evaluator.Add(windowsOfLength.SelectMany(w => w).ToArray(), windowsOfLength.Length);
                done += (long)group.Key * windowsOfLength.Length;
            }
            next += batch.Count;
            progress?.Report(new JobProgress("tokens", done, total));
        }
        return evaluator.Finish();
    }
}
