using System.Text.Json;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Graphs;
using Json.Schema;

namespace FeatureAtlas.Web.Graphs;

/// <summary>
/// Checks a graph JSON made elsewhere (circuit-tracer, Neuronpedia, another FeatureAtlas) before it is stored: JSON, the
/// graph schema (Core's graph-schema.json, evaluated with JsonSchema.Net), then what a schema cannot say: node ids unique,
/// every link between nodes of the graph, at most <see cref="MaxNodes"/> nodes. A failure raises
/// <see cref="GraphRejectedException"/> with every problem found (the first <see cref="MaxProblems"/>), each at its JSON path.
/// </summary>
public static class GraphUpload
{
    public const int MaxNodes = 100_000;
    public const int MaxProblems = 10;

    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(GraphSchema.Text));

    public static async Task<JsonObject> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        JsonNode? root;
        try
        {
            root = await JsonNode.ParseAsync(body, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            throw new GraphRejectedException("The graph is not valid JSON", [$"{e.Path ?? "$"} (line {e.LineNumber + 1}): {FirstSentence(e.Message)}"]);
        }
        return Check(root);
    }

    public static JsonObject Check(JsonNode? root)
    {
        if (root is not JsonObject graph) throw new GraphRejectedException("The graph does not fit the graph schema", ["$: a graph is a JSON object with metadata, qParams, nodes and links."]);
        var evaluation = Schema.Value.Evaluate(JsonSerializer.SerializeToElement(graph), new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (!evaluation.IsValid)
        {
            var problems = (evaluation.Details ?? [])
                .Where(d => d.Errors is not null)
                .SelectMany(d => d.Errors!.Select(e => $"{Path(d.InstanceLocation.ToString())}: {e.Value}"))
                .Distinct(StringComparer.Ordinal).Take(MaxProblems).ToArray();
            throw new GraphRejectedException("The graph does not fit the graph schema", problems.Length > 0 ? problems : ["$: the graph fails the schema."]);
        }

        var nodes = graph["nodes"]!.AsArray();
        var found = new List<string>();
        if (nodes.Count > MaxNodes) found.Add($"/nodes: {nodes.Count} nodes; at most {MaxNodes} are accepted.");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count && found.Count < MaxProblems; i++)
        {
            var id = (string)nodes[i]!["node_id"]!;
            if (!ids.Add(id)) found.Add($"/nodes/{i}/node_id: '{Shorten(id)}' is the id of an earlier node too.");
        }
        var links = graph["links"]!.AsArray();
        for (var i = 0; i < links.Count && found.Count < MaxProblems; i++)
        {
            foreach (var end in (ReadOnlySpan<string>)["source", "target"])
            {
                var id = (string)links[i]![end]!;
                if (!ids.Contains(id)) found.Add($"/links/{i}/{end}: '{Shorten(id)}' is not a node of this graph.");
            }
        }
        if (found.Count > 0) throw new GraphRejectedException("The graph's nodes and links do not agree", found.Take(MaxProblems).ToArray());
        return graph;
    }

    private static string Path(string pointer) => pointer.Length == 0 ? "$" : pointer;

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "…";

    private static string FirstSentence(string message) => message.Split(" Path:", 2)[0];
}
