using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Core.Transcoders;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Adds token-set enrichment, the prefix test and the induction test to every stored dashboard of an SAE, batch by
/// batch: each batch's analyses are saved in one transaction, then the checkpoint file records the next feature, so a
/// stopped run started again with the same options continues where it was. The SAE summary ("N features predict first
/// names") is written last, from what is stored. Needs the model and SAE folders the store points to.
/// </summary>
public static class FeatureAnalysisJob
{
    private const string Magic = "FeatureAtlas analysis checkpoint v1";

    public static async Task<SaeAnalysisSummary> RunAsync(FeatureAnalysisJobOptions options, ICorpusStore corpora, IModelStore models, IDashboardStore dashboards, IFeatureAnalysisStore analyses,
        IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(corpora);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(dashboards);
        ArgumentNullException.ThrowIfNull(analyses);
        options.Validate();
        var saeRecord = await models.GetSaeAsync(options.Model, options.Sae, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"SAE '{options.Sae}' of model '{options.Model}' is not in the store.");
        var summary = await dashboards.GetDashboardSummaryAsync(options.Model, options.Sae, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"SAE '{options.Sae}' of model '{options.Model}' has no dashboards; build them with `atlas dashboards build`.");
        var modelRecord = await models.GetModelAsync(options.Model, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"Model '{options.Model}' is not in the store.");
        if (modelRecord.Path is not { } modelPath || !File.Exists(Path.Combine(modelPath, "model.safetensors")))
        {
            throw new FileNotFoundException($"The analysis needs the weights of model '{options.Model}': no model.safetensors under '{modelRecord.Path}'.");
        }
        if (saeRecord.Path is not { } saePath || !File.Exists(Path.Combine(saePath, "sae_weights.safetensors")))
        {
            throw new FileNotFoundException($"The analysis needs the weights of SAE '{options.Sae}': no sae_weights.safetensors under '{saeRecord.Path}'.");
        }
        var sae = Transcoder.LoadFeatures(saePath);
        var model = Gpt2Model.Load(modelPath, InferenceSession.ProcessingFor([sae]));
        sae.FoldDecoderNorms();   // dashboard semantics: activations and logits of the unit-norm decoder
        var bos = summary.Options.BosTokenId;

        var sets = TokenSetsFor(model.Config.Vocab, bos, options.WordLists, out var notes);
        var induction = options.InductionSequences > 0 && 2 * options.InductionLength + 1 <= model.Config.Positions
            ? ContextTests.Induction(model, sae, options.Seed, options.InductionSequences, options.InductionLength, bos)
            : null;
        if (induction is null && options.InductionSequences > 0) notes.Add($"Induction test skipped: two copies of {options.InductionLength} tokens do not fit the model's {model.Config.Positions} positions.");
        using var enrichers = new ThreadLocal<TokenSetEnrichment>(() => new TokenSetEnrichment(sets, model.Config.Vocab, options.Enrichment));

        var key = JobCheckpoint.Key(new { options, created = summary.CreatedAt.UtcTicks, model = JobCheckpoint.Stamp(Path.Combine(modelPath, "model.safetensors")), sae = JobCheckpoint.Stamp(Path.Combine(saePath, "sae_weights.safetensors")) });
        Directory.CreateDirectory(options.CheckpointDirectory);
        var checkpoint = Path.Combine(options.CheckpointDirectory, $"analysis-{key}.ckpt");
        var next = File.Exists(checkpoint) ? JobCheckpoint.Read(checkpoint, Magic, key, "this analysis job", r => r.ReadInt32()) : 0;
        var end = sae.DSae;
        progress?.Report(new JobProgress("features", next, end));
        while (next < end)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(options.BatchFeatures, end - next);
            var batch = await dashboards.GetFeaturesAsync(options.Model, options.Sae, next, count, cancellationToken).ConfigureAwait(false);
            var enrichment = new SetEnrichment[count][];
            var hasLogits = sets.Count > 0 && FeatureLogits.Visit(sae, model, next, count, (f, logits) => enrichment[f - next] = enrichers.Value!.Top(logits));
            var prefix = await PrefixAsync(options, corpora, summary.Corpus, model, sae, batch, next, count, bos, cancellationToken).ConfigureAwait(false);
            var results = batch.Select(f => (f.Index, new FeatureAnalysis
            {
                Enrichment = hasLogits ? enrichment[f.Index - next] : null,
                Prefix = prefix?[f.Index - next],
                Induction = induction?[f.Index],
            })).ToArray();
            await analyses.SaveFeatureAnalysesAsync(options.Model, options.Sae, results, cancellationToken).ConfigureAwait(false);
            next += count;
            JobCheckpoint.Write(checkpoint, Magic, key, w => w.Write(next));
            progress?.Report(new JobProgress("features", next, end));
        }

        var result = await SummarizeAsync(options, dashboards, sets, notes, induction is not null, end, cancellationToken).ConfigureAwait(false);
        await analyses.SaveAnalysisSummaryAsync(options.Model, options.Sae, result, cancellationToken).ConfigureAwait(false);
        File.Delete(checkpoint);
        return result;
    }

    /// <summary>The rule sets and the word-list sets (over display strings of ids below <paramref name="vocab"/>); a word list missing adds a note.</summary>
    public static IReadOnlyList<TokenSet> TokenSetsFor(int vocab, int bos, string? wordLists, out List<string> notes)
    {
        var tokenizer = Gpt2Tokenizer.CreateDefault();
        var known = Math.Min(vocab, tokenizer.VocabSize);
        var strings = new string[vocab];
        tokenizer.GetTokenStrings(Enumerable.Range(0, known).ToArray()).CopyTo(strings, 0);
        for (var i = known; i < vocab; i++) strings[i] = "";
        var (listed, listNotes) = TokenSets.FromWordLists(wordLists, strings, bos);
        notes = [.. listNotes];
        return [.. TokenSets.FromRules(strings, bos), .. listed];
    }

    private static async Task<PrefixTest?[]?> PrefixAsync(FeatureAnalysisJobOptions options, ICorpusStore corpora, string corpus, Gpt2Model model, SparseAutoencoder sae,
        IReadOnlyList<FeatureDashboard> batch, int first, int count, int bos, CancellationToken cancellationToken)
    {
        if (options.PrefixExamples == 0) return null;
        var chosen = batch.SelectMany(f => f.Top.Take(options.PrefixExamples).Select(e => (Feature: f.Index, Example: e))).ToArray();
        var windows = await corpora.ReadWindowsAsync(corpus, chosen.Select(c => c.Example.Window).ToHashSet(), cancellationToken).ConfigureAwait(false);
        var examples = chosen.Select(c => new PrefixExample(c.Feature, windows[c.Example.Window], c.Example.Position, c.Example.Value)).ToArray();
        return ContextTests.Prefix(model, sae, examples, first, count, options.PrefixLengths, bos);
    }

    private static async Task<SaeAnalysisSummary> SummarizeAsync(FeatureAnalysisJobOptions options, IDashboardStore dashboards, IReadOnlyList<TokenSet> sets, List<string> notes, bool induction, int end, CancellationToken cancellationToken)
    {
        var predicting = sets.ToDictionary(s => s.Name, _ => 0);
        var inductionFeatures = 0;
        var features = 0;
        for (var offset = 0; offset < end; offset += 1024)
        {
            foreach (var f in await dashboards.GetFeaturesAsync(options.Model, options.Sae, offset, Math.Min(1024, end - offset), cancellationToken).ConfigureAwait(false))
            {
                if (f.Analysis is not { } a) continue;
                features++;
                foreach (var e in a.Enrichment ?? [])
                {
                    if (e.Predicts && predicting.TryGetValue(e.Name, out var n)) predicting[e.Name] = n + 1;
                }
                if (a.Induction is { SecondOnlyShare: >= 0.5f }) inductionFeatures++;
            }
        }
        return new SaeAnalysisSummary
        {
            Features = features,
            Sets = sets.Select(s => new TokenSetCount(s.Name, s.Description, s.Source, s.Tokens.Length, predicting[s.Name])).ToArray(),
            Notes = notes,
            InductionFeatures = induction ? inductionFeatures : null,
        };
    }
}
