using System.Text.Json;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Graphs;
using FeatureAtlas.Core.Tests.TestSupport;
using Json.Schema;

namespace FeatureAtlas.Core.Tests.Graphs;

/// <summary>The graph JSON against the graph schema (JsonSchema.Net), and its nodes and links against the pruning.</summary>
public sealed class GraphJsonTests(GraphModelFixture fixture) : IClassFixture<GraphModelFixture>
{
    private static readonly JsonSchema Schema = JsonSchema.FromText(GraphSchema.Text);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Write_Graph_IsValidAndHoldsWhatThePruningKeeps(bool prune)
    {
        var graph = GraphBuilder.Build(fixture.Load("raw"), fixture.LoadTranscoders(), fixture.TokenIds);
        var result = prune ? GraphPruning.Prune(graph) : GraphPruning.KeepAll(graph);
        var json = Write(graph, result, prune);

        var evaluation = Schema.Evaluate(JsonDocument.Parse(json).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(evaluation.IsValid, string.Join("; ", (evaluation.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));

        var root = JsonNode.Parse(json)!;
        var nodes = root["nodes"]!.AsArray();
        var ids = nodes.Select(n => (string)n!["node_id"]!).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var links = root["links"]!.AsArray();
        Assert.All(links, l => Assert.Contains((string)l!["source"]!, ids));
        Assert.All(links, l => Assert.Contains((string)l!["target"]!, ids));
        Assert.Equal(graph.Positions, nodes.Count(n => (string)n!["feature_type"]! == "embedding"));
        Assert.Equal(graph.Logits.Count, nodes.Count(n => (string)n!["feature_type"]! == "logit"));
        var n = graph.NodeCount;
        var expectedLinks = 0;
        for (var t = 0; t < n; t++)
        {
            for (var s = 0; s < n; s++)
            {
                if (result.NodeMask[t] && result.NodeMask[s] && result.EdgeMask[(long)t * n + s] && graph.Adjacency[(long)t * n + s] != 0) expectedLinks++;
            }
        }
        Assert.Equal(expectedLinks, links.Count);
        var top = graph.Logits[0];
        var logit = nodes.Single(x => (string)x!["node_id"]! == $"5_{top.Token}_6");
        Assert.True((bool)logit!["is_target_logit"]!);
        Assert.Equal($"Output \"t{top.Token}\" (p={top.Probability.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)})", (string)logit["clerp"]!);
        Assert.Equal(["t0", "t5", "t36", "t12", "t7", "t5", "t21"], root["metadata"]!["prompt_tokens"]!.AsArray().Select(x => (string)x!));
        if (!prune) Assert.Equal(Enumerable.Range(0, n).Count(i => i >= graph.TokenStart || HasEdge(graph, i)), nodes.Count);
    }

    [Fact]
    public void Schema_GraphWithoutNodesOrWithUnweightedLink_IsInvalid()
    {
        var valid = JsonNode.Parse(Write(GraphBuilder.Build(fixture.Load("raw"), fixture.LoadTranscoders(), fixture.TokenIds), null, true))!.AsObject();
        var noNodes = (JsonObject)valid.DeepClone();
        noNodes.Remove("nodes");
        Assert.False(Schema.Evaluate(JsonDocument.Parse(noNodes.ToJsonString()).RootElement).IsValid);
        var badLink = (JsonObject)valid.DeepClone();
        badLink["links"]!.AsArray()[0]!.AsObject().Remove("weight");
        Assert.False(Schema.Evaluate(JsonDocument.Parse(badLink.ToJsonString()).RootElement).IsValid);
    }

    /// <summary>Whether node <paramref name="i"/> has a non-zero edge in or out (an unpruned file lists exactly those, plus tokens and logits).</summary>
    private static bool HasEdge(AttributionGraph graph, int i)
    {
        var n = graph.NodeCount;
        return Enumerable.Range(0, n).Any(j => graph.Adjacency[(long)j * n + i] != 0 || graph.Adjacency[(long)i * n + j] != 0);
    }

    private static string Write(AttributionGraph graph, GraphPruning.Result? result, bool prune)
    {
        result ??= GraphPruning.Prune(graph);
        using var stream = new MemoryStream();
        GraphJson.Write(stream, graph, result, new GraphJsonInfo
        {
            Slug = "test-graph",
            Scan = "graph-gpt2",
            TranscoderList = ["tc0", "tc1", "tc2", "tc3"],
            PromptTokens = graph.Tokens.Select(t => $"t{t}").ToArray(),
            Prompt = "synthetic",
            LogitTokens = graph.Logits.Select(l => $"t{l.Token}").ToArray(),
            Pruned = prune,
            Generation = new GraphOptions(),
            CreateTimeMs = 1,
        });
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
