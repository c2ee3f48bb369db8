using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>A stored graph as lists show it, with the explorer's address (<see cref="Url"/>) and the JSON's (<see cref="JsonUrl"/>).</summary>
public sealed record GraphDto(string ModelId, string Slug, string Prompt, string? Owner, int NumNodes, int NumLinks, long JsonBytes, DateTimeOffset CreatedAt, string Url, string JsonUrl)
{
    public static GraphDto Of(GraphRecord graph) => new(graph.Model, graph.Slug, graph.Prompt, graph.OwnerName, graph.Nodes, graph.Links, graph.JsonBytes, graph.CreatedAt,
        Rendering.Links.Graph(graph.Model, graph.Slug), JsonPath(graph.Model, graph.Slug));

    /// <summary>Where a graph's JSON is served: <c>/api/graph/{model}/{slug}/json</c>.</summary>
    public static string JsonPath(string model, string slug) => $"/api/graph/{Uri.EscapeDataString(model)}/{Uri.EscapeDataString(slug)}/json";
}
