using System.Globalization;
using System.Text.Json;

namespace FeatureAtlas.Core.Graphs;

/// <summary>What the graph JSON's metadata says beside the graph itself.</summary>
public sealed record GraphJsonInfo
{
    public required string Slug { get; init; }

    /// <summary>The model id (Neuronpedia reads scan as the model).</summary>
    public required string Scan { get; init; }

    public required IReadOnlyList<string> TranscoderList { get; init; }

    /// <summary>The prompt's tokens as text, one per position.</summary>
    public required IReadOnlyList<string> PromptTokens { get; init; }

    public required string Prompt { get; init; }

    /// <summary>Each logit node's token as text, in <see cref="AttributionGraph.Logits"/> order.</summary>
    public required IReadOnlyList<string> LogitTokens { get; init; }

    public double NodeThreshold { get; init; } = 0.8;

    public double EdgeThreshold { get; init; } = 0.98;

    public bool Pruned { get; init; } = true;

    public required GraphOptions Generation { get; init; }

    public string GeneratorVersion { get; init; } = "1";

    public long CreateTimeMs { get; init; }
}

/// <summary>
/// Writes an attribution graph as the graph JSON that Neuronpedia's graph viewer and circuit-tracer read
/// ("Anthropic Attribution Graph" schema 1.0.0: metadata, qParams, nodes, links), with circuit-tracer's node
/// conventions: feature "{layer}_{index}_{pos}" (feature = cantor(layer, index)), error "{layer}_-1_{pos}" (circuit-tracer's
/// fix for its old "0_{layer}_{pos}", which collided with layer-0 features: decoderesearch/circuit-tracer#78), token
/// "E_{token}_{pos}", logit "{n_layers + 1}_{token}_{pos}". Kept nodes are those the pruning keeps that have a kept
/// edge, plus every token and logit node; an edge is kept when the pruning keeps it, both ends survive and its
/// weight is not zero.
/// </summary>
public static class GraphJson
{
    public static void Write(Stream stream, AttributionGraph graph, GraphPruning.Result pruning, GraphJsonInfo info)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(pruning);
        ArgumentNullException.ThrowIfNull(info);
        var n = graph.NodeCount;
        var ids = new string?[n];
        for (var i = 0; i < n; i++)
        {
            if (pruning.NodeMask[i]) ids[i] = NodeId(graph, i);
        }
        var links = new List<(int Source, int Target, float Weight)>();
        var connected = new bool[n];
        for (var t = 0; t < n; t++)
        {
            if (ids[t] is null) continue;
            for (var s = 0; s < n; s++)
            {
                var index = (long)t * n + s;
                if (ids[s] is null || !pruning.EdgeMask[index] || graph.Adjacency[index] == 0f) continue;
                links.Add((s, t, graph.Adjacency[index]));
                connected[s] = connected[t] = true;
            }
        }

        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        writer.WriteStartObject();
        WriteMetadata(writer, graph, info);
        writer.WriteStartObject("qParams");
        writer.WriteStartArray("pinnedIds");
        writer.WriteEndArray();
        writer.WriteStartArray("supernodes");
        writer.WriteEndArray();
        writer.WriteString("linkType", "both");
        writer.WriteString("clickedId", "");
        writer.WriteString("sg_pos", "");
        writer.WriteEndObject();

        writer.WriteStartArray("nodes");
        for (var i = 0; i < n; i++)
        {
            if (ids[i] is null || !(connected[i] || i >= graph.TokenStart)) continue;
            WriteNode(writer, graph, i, ids[i]!, pruning.CumulativeScores[i], info);
        }
        writer.WriteEndArray();
        writer.WriteStartArray("links");
        foreach (var (source, target, weight) in links)
        {
            writer.WriteStartObject();
            writer.WriteString("source", ids[source]);
            writer.WriteString("target", ids[target]);
            writer.WriteNumber("weight", weight);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>circuit-tracer's node id of node <paramref name="node"/>.</summary>
    public static string NodeId(AttributionGraph graph, int node)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var inv = CultureInfo.InvariantCulture;
        if (node < graph.ErrorStart)
        {
            var f = graph.Feature(node);
            return string.Create(inv, $"{f.Layer}_{f.Index}_{f.Position}");
        }
        if (node < graph.TokenStart)
        {
            var (layer, pos) = Math.DivRem(node - graph.ErrorStart, graph.Positions);
            return string.Create(inv, $"{layer}_-1_{pos}");
        }
        if (node < graph.LogitStart)
        {
            var pos = node - graph.TokenStart;
            return string.Create(inv, $"E_{graph.Tokens[pos]}_{pos}");
        }
        var logit = graph.Logits[node - graph.LogitStart];
        return string.Create(inv, $"{graph.Layers + 1}_{logit.Token}_{graph.Positions - 1}");
    }

    /// <summary>Cantor's pairing of (layer, index): circuit-tracer's global feature number.</summary>
    public static long Cantor(long x, long y) => (x + y) * (x + y + 1) / 2 + y;

    private static void WriteMetadata(Utf8JsonWriter writer, AttributionGraph graph, GraphJsonInfo info)
    {
        writer.WriteStartObject("metadata");
        writer.WriteString("slug", info.Slug);
        writer.WriteString("scan", info.Scan);
        writer.WriteStartArray("transcoder_list");
        foreach (var t in info.TranscoderList) writer.WriteStringValue(t);
        writer.WriteEndArray();
        writer.WriteStartArray("prompt_tokens");
        foreach (var t in info.PromptTokens) writer.WriteStringValue(t);
        writer.WriteEndArray();
        writer.WriteString("prompt", info.Prompt);
        writer.WriteNumber("node_threshold", info.NodeThreshold);
        writer.WriteNumber("schema_version", 1);
        writer.WriteStartObject("info");
        writer.WriteString("description", info.Pruned ? "Attribution graph of the local replacement model (transcoders for every MLP, attention and layer norms frozen), pruned as circuit-tracer prunes." : "Attribution graph of the local replacement model, unpruned (--no-prune): every node and non-zero edge computed.");
        writer.WriteStartObject("generator");
        writer.WriteString("name", "FeatureAtlas atlas graph");
        writer.WriteString("version", info.GeneratorVersion);
        writer.WriteEndObject();
        writer.WriteNumber("create_time_ms", info.CreateTimeMs);
        writer.WriteEndObject();
        writer.WriteStartObject("generation_settings");
        writer.WriteNumber("max_n_logits", info.Generation.MaxLogits);
        writer.WriteNumber("desired_logit_prob", info.Generation.DesiredLogitProbability);
        writer.WriteNumber("batch_size", info.Generation.BatchSize);
        writer.WriteNumber("max_feature_nodes", info.Generation.MaxFeatureNodes);
        writer.WriteEndObject();
        writer.WriteStartObject("pruning_settings");
        writer.WriteNumber("node_threshold", info.Pruned ? info.NodeThreshold : 0);
        writer.WriteNumber("edge_threshold", info.Pruned ? info.EdgeThreshold : 0);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteNode(Utf8JsonWriter writer, AttributionGraph graph, int node, string id, double influence, GraphJsonInfo info)
    {
        var inv = CultureInfo.InvariantCulture;
        writer.WriteStartObject();
        writer.WriteString("node_id", id);
        if (node < graph.ErrorStart)
        {
            var f = graph.Feature(node);
            writer.WriteNumber("feature", Cantor(f.Layer, f.Index));
            writer.WriteString("layer", f.Layer.ToString(inv));
            writer.WriteNumber("ctx_idx", f.Position);
            writer.WriteString("feature_type", "cross layer transcoder");
            writer.WriteString("jsNodeId", string.Create(inv, $"{f.Layer}_{f.Index}-0"));
            writer.WriteString("clerp", "");
            writer.WriteNumber("influence", influence);
            writer.WriteNumber("activation", f.Activation);
        }
        else if (node < graph.TokenStart)
        {
            var (layer, pos) = Math.DivRem(node - graph.ErrorStart, graph.Positions);
            writer.WriteNumber("feature", -1);
            writer.WriteString("layer", layer.ToString(inv));
            writer.WriteNumber("ctx_idx", pos);
            writer.WriteString("feature_type", "mlp reconstruction error");
            writer.WriteString("jsNodeId", string.Create(inv, $"{layer}_-1_{pos}-0"));
            writer.WriteString("clerp", "");
            writer.WriteNumber("influence", influence);
        }
        else if (node < graph.LogitStart)
        {
            var pos = node - graph.TokenStart;
            writer.WriteNumber("feature", pos);
            writer.WriteString("layer", "E");
            writer.WriteNumber("ctx_idx", pos);
            writer.WriteString("feature_type", "embedding");
            writer.WriteString("jsNodeId", string.Create(inv, $"E_{graph.Tokens[pos]}-{pos}"));
            writer.WriteString("clerp", "");
            writer.WriteNumber("influence", influence);
        }
        else
        {
            var i = node - graph.LogitStart;
            var logit = graph.Logits[i];
            var pos = graph.Positions - 1;
            writer.WriteNumber("feature", logit.Token);
            writer.WriteString("layer", (graph.Layers + 1).ToString(inv));
            writer.WriteNumber("ctx_idx", pos);
            writer.WriteString("feature_type", "logit");
            writer.WriteString("jsNodeId", string.Create(inv, $"L_{logit.Token}-{pos}"));
            writer.WriteString("clerp", string.Create(inv, $"Output \"{info.LogitTokens[i]}\" (p={logit.Probability:F3})"));
            writer.WriteNumber("token_prob", logit.Probability);
            writer.WriteBoolean("is_target_logit", i == 0);
        }
        writer.WriteEndObject();
    }
}
