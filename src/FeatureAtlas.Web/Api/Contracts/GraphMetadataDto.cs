using System.Text.Json;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>
/// Neuronpedia's graph metadata row (<c>GET /api/graph/{modelId}/{slug}</c>, <c>POST /api/graph/list-owned</c>):
/// <c>id, modelId, slug, prompt, promptTokens, titlePrefix, url</c> (the graph JSON's address), <c>userId</c>,
/// <c>user {id, name}</c>, <c>isFeatured</c>, <c>createdAt</c>, <c>updatedAt</c>; with ours beside them (node and link
/// counts, the explorer's address). Here a graph is named by its model and slug, so <c>id</c> is <c>{modelId}/{slug}</c>.
/// </summary>
public sealed record GraphMetadataDto(
    string Id, string ModelId, string Slug, string Prompt, IReadOnlyList<string> PromptTokens, string TitlePrefix, string Url, string? UserId, GraphOwnerDto? User,
    bool IsFeatured, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int NumNodes, int NumLinks, string ExplorerUrl)
{
    public static async Task<GraphMetadataDto> OfAsync(GraphRecord graph, IGraphStore graphs, string origin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(graphs);
        // Graphs are stored with their prompt tokens among their settings; one stored without them is read for its tokens.
        var tokens = PromptTokensOf(System.Text.Encoding.UTF8.GetBytes(graph.SettingsJson), depth: 1)
            ?? PromptTokensOf(await graphs.GetGraphJsonAsync(graph.Model, graph.Slug, cancellationToken) ?? [], depth: 2)
            ?? [];
        var owner = graph.UserId is { } id ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return new($"{graph.Model}/{graph.Slug}", graph.Model, graph.Slug, graph.Prompt, tokens, "",
            origin + GraphDto.JsonPath(graph.Model, graph.Slug), owner, owner is null ? null : new GraphOwnerDto(owner, graph.OwnerName ?? ""),
            false, graph.CreatedAt, graph.CreatedAt, graph.Nodes, graph.Links, origin + Rendering.Links.Graph(graph.Model, graph.Slug));
    }

    /// <summary>
    /// The <c>prompt_tokens</c> array of a JSON document, read without building it: at depth 1 a graph's stored settings
    /// (<c>{prompt_tokens}</c>), at depth 2 a graph JSON (<c>{metadata: {prompt_tokens}}</c>); null when absent.
    /// </summary>
    public static IReadOnlyList<string>? PromptTokensOf(ReadOnlySpan<byte> json, int depth)
    {
        if (json.IsEmpty) return null;
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName) continue;
            var enter = depth == 2 && reader.CurrentDepth == 1 && reader.ValueTextEquals("metadata"u8);
            if (reader.CurrentDepth == depth && reader.ValueTextEquals("prompt_tokens"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray) return null;
                var tokens = new List<string>();
                while (reader.Read() && reader.TokenType == JsonTokenType.String) tokens.Add(reader.GetString()!);
                return tokens;
            }
            if (!enter) reader.Skip();
        }
        return null;
    }
}

/// <summary>Who stored a graph, as Neuronpedia's metadata row includes it.</summary>
public sealed record GraphOwnerDto(string Id, string Name);
