using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Stores;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Maps;

/// <summary>
/// <c>/map?model=M&amp;sae=S[&amp;sae=S2…][&amp;focus=i]</c>: the feature map (UMAP of decoder directions) of one or more
/// SAEs, drawn by wwwroot/js/map.js from <c>/api/umap/{model}/{sae}</c>. The server lists the model's SAEs and
/// which have maps; the canvas, zoom, hover, click and box selection live in the script.
/// </summary>
public sealed class MapPageModel(AtlasStore store) : PageModel
{
    public const int MaxSaes = 3;

    public ModelRecord? ModelRecord { get; private set; }

    public IReadOnlyList<SaeRecord> Saes { get; private set; } = [];

    public IReadOnlyList<string> Selected { get; private set; } = [];

    public int? Focus { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? model, string[]? sae, int? focus, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(model)) return Page();
        ModelRecord = await store.GetModelAsync(model, cancellationToken);
        if (ModelRecord is null) return NotFound();
        Saes = await store.ListSaesAsync(model, cancellationToken);
        Selected = (sae ?? []).Where(s => Saes.Any(r => r.Name == s)).Distinct().Take(MaxSaes).ToList();
        if (Selected.Count == 0 && Saes.Count > 0) Selected = [Saes[0].Name];
        Focus = focus;
        return Page();
    }
}
