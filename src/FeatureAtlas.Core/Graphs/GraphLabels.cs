using System.Globalization;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Core.Graphs;

/// <summary>
/// Clerps (node labels) of a graph's feature nodes from each feature's best explanation, so a graph reads as words
/// (Neuronpedia np#118). A feature node "{layer}_{index}_{pos}" is the feature <c>index</c> of the transcoder of block
/// <c>layer</c>: the stored SAE named in <c>metadata.transcoder_list</c> whose layer that is. Labels already in the
/// graph are kept; features without an explanation, and graphs whose transcoders are not stored here, keep theirs.
/// </summary>
public static class GraphLabels
{
    /// <summary>
    /// Block → stored transcoder (SAE name) for the names in a graph's <c>transcoder_list</c> that the store has for
    /// <paramref name="model"/>, placed by their own layer (the list need not be in block order).
    /// </summary>
    public static async Task<IReadOnlyDictionary<int, string>> TranscodersAsync(JsonNode? transcoderList, string model, IModelStore models, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(models);
        var byLayer = new Dictionary<int, string>();
        if (transcoderList is not JsonArray list) return byLayer;
        foreach (var name in list.Select(n => n?.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string)n! : null).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (await models.GetSaeAsync(model, name, cancellationToken).ConfigureAwait(false) is { } sae) byLayer.TryAdd(sae.Layer, name);
        }
        return byLayer;
    }

    /// <summary>The feature behind each feature node, for graphs of <paramref name="model"/>; nodes of unknown transcoders are left out.</summary>
    public static async Task<IReadOnlyDictionary<string, FeatureKey>> FeaturesAsync(JsonObject graph, string model, IModelStore models, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var byLayer = await TranscodersAsync(graph["metadata"]?["transcoder_list"], model, models, cancellationToken).ConfigureAwait(false);
        var features = new Dictionary<string, FeatureKey>(StringComparer.Ordinal);
        if (byLayer.Count == 0 || graph["nodes"] is not JsonArray nodes) return features;
        foreach (var node in nodes.OfType<JsonObject>())
        {
            if (node["node_id"]?.GetValueKind() != System.Text.Json.JsonValueKind.String) continue;
            var id = (string)node["node_id"]!;
            if (TryParseFeature(id, out var layer, out var index) && IsFeature(node) && byLayer.TryGetValue(layer, out var sae))
            {
                features[id] = new FeatureKey(model, sae, index);
            }
        }
        return features;
    }

    /// <summary>Fills empty clerps of feature nodes with their features' best explanations; returns how many it filled.</summary>
    public static async Task<int> FillAsync(JsonObject graph, string model, IModelStore models, IExplanationStore explanations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(explanations);
        var features = await FeaturesAsync(graph, model, models, cancellationToken).ConfigureAwait(false);
        if (features.Count == 0) return 0;
        var unlabelled = graph["nodes"]!.AsArray().OfType<JsonObject>()
            .Where(n => features.ContainsKey((string)n["node_id"]!) && string.IsNullOrEmpty(Clerp(n)))
            .ToArray();
        if (unlabelled.Length == 0) return 0;
        var best = await explanations.BestExplanationsAsync(unlabelled.Select(n => features[(string)n["node_id"]!]).Distinct().ToArray(), cancellationToken).ConfigureAwait(false);
        var filled = 0;
        foreach (var node in unlabelled)
        {
            if (!best.TryGetValue(features[(string)node["node_id"]!], out var text)) continue;
            node["clerp"] = text;
            filled++;
        }
        return filled;
    }

    /// <summary>circuit-tracer's feature node id "{layer}_{index}_{pos}" (index ≥ 0; error nodes have −1).</summary>
    public static bool TryParseFeature(string nodeId, out int layer, out int index)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        layer = index = 0;
        var parts = nodeId.Split('_');
        return parts.Length == 3
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out layer)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out index)
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }

    private static bool IsFeature(JsonObject node) =>
        node["feature_type"]?.GetValueKind() == System.Text.Json.JsonValueKind.String && ((string)node["feature_type"]!).Contains("transcoder", StringComparison.Ordinal);

    private static string? Clerp(JsonObject node) =>
        node["clerp"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string)node["clerp"]! : null;
}
