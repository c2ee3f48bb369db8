using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A stored graph as lists show it, with the explorer's address (<see cref="Url"/>) and the JSON's (<see cref="JsonUrl"/>).</summary>
public sealed record GraphDto(string ModelId, string Slug, string Prompt, string? Owner, int NumNodes, int NumLinks, long JsonBytes, DateTimeOffset CreatedAt, string Url, string JsonUrl)
{
    public static GraphDto Of(GraphRecord graph) => new(graph.Model, graph.Slug, graph.Prompt, graph.OwnerName, graph.Nodes, graph.Links, graph.JsonBytes, graph.CreatedAt,
        Rendering.Links.Graph(graph.Model, graph.Slug), $"/api/graph/{Uri.EscapeDataString(graph.Model)}/{Uri.EscapeDataString(graph.Slug)}");
}
