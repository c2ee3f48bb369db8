using System.Text.Json;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Graphs;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Graphs;

/// <summary>
/// <c>/{model}/graph/{slug}</c>: the graph explorer. The page carries the graph's address and the block → transcoder map
/// (so a feature node opens its feature's page in the side panel); graph.js fetches the JSON, draws it and keeps the
/// view (pinned nodes, supernodes, the clicked node) in the URL as circuit-tracer's qParams.
/// </summary>
public sealed class GraphPageModel(IModelStore models, IGraphStore graphs) : PageModel
{
    public GraphRecord Graph { get; private set; } = null!;

    /// <summary>Block → stored transcoder name, as JSON for the script.</summary>
    public string TranscodersJson { get; private set; } = "{}";

    public bool CanDelete { get; private set; }

    public async Task<IActionResult> OnGetAsync(string model, string slug, CancellationToken cancellationToken)
    {
        var graph = await graphs.GetGraphAsync(model, slug, cancellationToken);
        if (graph is null) return NotFound();
        Graph = graph;
        var settings = JsonNode.Parse(graph.SettingsJson);
        var byLayer = await GraphLabels.TranscodersAsync(settings?["transcoder_list"], model, models, cancellationToken);
        TranscodersJson = JsonSerializer.Serialize(byLayer.ToDictionary(p => p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.Value));
        CanDelete = User.ToActor() is { } actor && actor.Owns(graph.UserId);
        return Page();
    }
}
