using FeatureAtlas.Core.Graphs;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Auth;
using FeatureAtlas.Web.Graphs;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Graphs;

/// <summary>
/// <c>/{model}/graph</c>: a model's attribution graphs, newest first; signed in, generate one from a prompt (a background
/// job whose progress the page shows, then the graph) or upload one made elsewhere.
/// </summary>
public sealed class GraphsPageModel(IModelStore models, IGraphStore graphs) : PageModel
{
    public const int Shown = 100;

    public ModelRecord Record { get; private set; } = null!;

    public IReadOnlyList<GraphRecord> Graphs { get; private set; } = [];

    /// <summary>Why this model cannot generate graphs (no weights, no transcoders); null when it can.</summary>
    public string? CannotGenerate { get; private set; }

    public bool SignedIn => User.UserId() is not null;

    public async Task<IActionResult> OnGetAsync(string model, CancellationToken cancellationToken)
    {
        var record = await models.GetModelAsync(model, cancellationToken);
        if (record is null) return NotFound();
        Record = record;
        Graphs = await graphs.ListGraphsAsync(null, model, Shown, cancellationToken);
        try
        {
            if (record.Path is null) throw new ArgumentException($"Model '{model}' has no weights on this site.");
            GraphLimits.Transcoders(model, record.Layers, await models.ListSaesAsync(model, cancellationToken), null);
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException)
        {
            CannotGenerate = e.Message;
        }
        return Page();
    }

    public static int MaxPromptTokens => GraphOptions.MaxPromptTokens;
}
