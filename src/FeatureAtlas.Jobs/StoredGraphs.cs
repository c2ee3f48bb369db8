using System.Text.Json;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Graphs;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Jobs;

/// <summary>
/// Stores a graph JSON document however it was made (<c>atlas graph --save</c>, the site's generate job, an upload): the
/// slug written into its metadata, empty clerps filled from the features' best explanations, node and link counts and
/// the settings it carries recorded beside it. The caller has checked the document (the schema, for uploads).
/// </summary>
public static class StoredGraphs
{
    public static async Task<GraphRecord> SaveAsync(JsonObject graph, string model, string slug, int? userId, string source,
        IModelStore models, IGraphStore graphs, IExplanationStore? explanations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(graphs);
        GraphSlug.Check(slug);
        var metadata = graph["metadata"] as JsonObject ?? throw new InvalidDataException("The graph JSON has no metadata object.");
        metadata["slug"] = slug;
        if (explanations is not null) await GraphLabels.FillAsync(graph, model, models, explanations, cancellationToken).ConfigureAwait(false);
        var settings = new JsonObject
        {
            ["source"] = source,
            ["prompt_tokens"] = metadata["prompt_tokens"]?.DeepClone(),
            ["transcoder_list"] = metadata["transcoder_list"]?.DeepClone(),
            ["generation_settings"] = metadata["generation_settings"]?.DeepClone(),
            ["pruning_settings"] = metadata["pruning_settings"]?.DeepClone(),
        };
        var prompt = metadata["prompt"]?.GetValueKind() == JsonValueKind.String ? (string)metadata["prompt"]! : "";
        var nodes = (graph["nodes"] as JsonArray)?.Count ?? 0;
        var links = (graph["links"] as JsonArray)?.Count ?? 0;
        var json = JsonSerializer.SerializeToUtf8Bytes(graph);
        return await graphs.SaveGraphAsync(new GraphRecord(model, slug, userId, null, prompt, settings.ToJsonString(), nodes, links, 0, default), json, cancellationToken).ConfigureAwait(false);
    }
}
