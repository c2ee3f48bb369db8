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
    public static GraphMetadataDto Of(GraphRecord graph, ReadOnlySpan<byte> json, string origin)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var owner = graph.UserId is { } id ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return new($"{graph.Model}/{graph.Slug}", graph.Model, graph.Slug, graph.Prompt, PromptTokensOf(json), "",
            origin + GraphDto.JsonPath(graph.Model, graph.Slug), owner, owner is null ? null : new GraphOwnerDto(owner, graph.OwnerName ?? ""),
            false, graph.CreatedAt, graph.CreatedAt, graph.Nodes, graph.Links, origin + Rendering.Links.Graph(graph.Model, graph.Slug));
    }

    /// <summary><c>metadata.prompt_tokens</c> of a graph JSON, read without building the whole document; empty when absent.</summary>
    public static IReadOnlyList<string> PromptTokensOf(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        var inMetadata = false;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName) continue;
            if (reader.CurrentDepth == 1)
            {
                inMetadata = reader.ValueTextEquals("metadata"u8);
                if (!inMetadata) reader.Skip();
            }
            else if (inMetadata && reader.CurrentDepth == 2 && reader.ValueTextEquals("prompt_tokens"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray) return [];
                var tokens = new List<string>();
                while (reader.Read() && reader.TokenType == JsonTokenType.String) tokens.Add(reader.GetString()!);
                return tokens;
            }
            else if (reader.CurrentDepth == 2)
            {
                reader.Skip();
            }
        }
        return [];
    }
}

/// <summary>Who stored a graph, as Neuronpedia's metadata row includes it.</summary>
public sealed record GraphOwnerDto(string Id, string Name);
