using System.Text.Json.Nodes;
using FeatureAtlas.Core.Graphs;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Core.Transcoders;

namespace FeatureAtlas.Jobs;

/// <summary>
/// An attribution graph of a prompt, built and stored as a job (the site's "generate", <c>atlas graph --save</c> through a
/// queue): the stored model and transcoders are loaded, the graph built with progress ("backward passes" done of total),
/// pruned, labelled and stored. Resuming is by outcome: a job run again (a retry, a restarted server picking up its
/// unfinished job) whose graph is already stored returns it without building again; one stopped before storing builds
/// again from the start, since a graph is one piece of work of seconds to a few minutes.
/// </summary>
public static class GraphJob
{
    public static async Task<GraphRecord> RunAsync(GraphJobOptions options, IModelStore models, IGraphStore graphs, IExplanationStore? explanations,
        IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(graphs);
        if (await graphs.GetGraphAsync(options.Model, options.Slug, cancellationToken).ConfigureAwait(false) is { } done) return done;
        var graphOptions = options.Graph;
        graphOptions.Validate();

        progress?.Report(new JobProgress("loading model", 0, 1));
        var model = await models.GetModelAsync(options.Model, cancellationToken).ConfigureAwait(false) ?? throw new KeyNotFoundException($"Model '{options.Model}' is not in the store.");
        if (model.Path is null) throw new InvalidDataException($"Model '{options.Model}' has no weights folder in the store, so no graph can be built for it.");
        var transcoders = new List<Transcoder>();
        foreach (var name in options.Transcoders)
        {
            var sae = await models.GetSaeAsync(options.Model, name, cancellationToken).ConfigureAwait(false) ?? throw new KeyNotFoundException($"Transcoder '{name}' of model '{options.Model}' is not in the store.");
            if (sae.Path is null) throw new InvalidDataException($"Transcoder '{name}' of model '{options.Model}' has no weights folder in the store.");
            transcoders.Add(Transcoder.Load(sae.Path));
        }
        var gpt2 = Gpt2Model.Load(model.Path, WeightProcessing.Raw);
        GraphBuilder.Arrange(gpt2.Config, transcoders);
        var tokenizer = Gpt2Tokenizer.Load(model.Path);
        var ids = tokenizer.Encode(options.Prompt, prependBos: true);
        if (ids.Length > GraphOptions.MaxPromptTokens) throw new ArgumentException($"The prompt has {ids.Length} tokens; attribution graphs allow at most {GraphOptions.MaxPromptTokens}.");

        var backward = progress is null ? null : BackwardPasses(progress);
        var checkpoint = GraphCheckpointFile.For(options.CheckpointDirectory ?? DefaultCheckpoints, gpt2, transcoders, ids, graphOptions, options.CheckpointInterval);
        var graph = await Task.Run(() => GraphBuilder.Build(gpt2, transcoders, ids, graphOptions, backward, checkpoint, cancellationToken), cancellationToken).ConfigureAwait(false);
        progress?.Report(new JobProgress("pruning", 0, 1));
        var pruning = GraphPruning.Prune(graph, options.NodeThreshold, options.EdgeThreshold);
        var info = new GraphJsonInfo
        {
            Slug = options.Slug,
            Scan = options.Model,
            TranscoderList = transcoders.Select(t => t.Name).ToArray(),
            PromptTokens = tokenizer.GetTokenStrings(ids),
            Prompt = options.Prompt,
            LogitTokens = tokenizer.GetTokenStrings(graph.Logits.Select(l => l.Token).ToArray()),
            NodeThreshold = options.NodeThreshold,
            EdgeThreshold = options.EdgeThreshold,
            Generation = graphOptions,
            GeneratorVersion = typeof(GraphJob).Assembly.GetName().Version?.ToString() ?? "1",
            CreateTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        using var buffer = new MemoryStream();
        GraphJson.Write(buffer, graph, pruning, info);
        var document = JsonNode.Parse(buffer.ToArray())!.AsObject();
        cancellationToken.ThrowIfCancellationRequested();
        progress?.Report(new JobProgress("storing", 0, 1));
        var stored = await StoredGraphs.SaveAsync(document, options.Model, options.Slug, options.UserId, "generate", models, graphs, explanations, cancellationToken).ConfigureAwait(false);
        checkpoint.Delete();
        return stored;
    }

    /// <summary>Where graph checkpoints go when the options name no folder: this machine's temporary folder.</summary>
    public static string DefaultCheckpoints => Path.Combine(Path.GetTempPath(), "featureatlas-graphs");

    /// <summary>The graph builder's progress as a job's ("backward passes" done of total), passed on as it happens.</summary>
    public static IProgress<GraphProgress> BackwardPasses(IProgress<JobProgress> progress) => new BackwardPassProgress(progress);

    /// <summary>Reports synchronously: Progress&lt;T&gt; would post it later, after the job's next stage.</summary>
    private sealed class BackwardPassProgress(IProgress<JobProgress> inner) : IProgress<GraphProgress>
    {
        public void Report(GraphProgress value) => inner.Report(new JobProgress("backward passes", value.Done, value.Total));
    }
}
