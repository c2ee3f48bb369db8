using FeatureAtlas.Core.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Maps;

/// <summary>
/// <c>/map?model=M&amp;sae=S[&amp;sae=S2…][&amp;focus=i]</c>: the feature maps (UMAP of decoder directions) of one or
/// more SAEs, each its own UMAP, drawn together from <c>/api/umap/{model}/{sae}</c>; <c>/map?model=M&amp;joint=NAME</c>:
/// a joint map, one UMAP of several SAEs (<c>/api/umap/{model}/joint/{name}</c>), where positions compare across
/// SAEs. wwwroot/js/map.js draws either; the server lists the model's SAEs, which have maps, and its joint maps.
/// The canvas, zoom, hover, click and box selection live in the script.
/// </summary>
public sealed class MapPageModel(IModelStore modelStore, IUmapStore umapStore) : PageModel
{
    public const int MaxSaes = 3;

    public ModelRecord? ModelRecord { get; private set; }

    public IReadOnlyList<SaeRecord> Saes { get; private set; } = [];

    /// <summary>The SAEs that have a map of their own.</summary>
    public IReadOnlyList<string> SaesWithMap { get; private set; } = [];

    public IReadOnlyList<JointUmapInfo> JointMaps { get; private set; } = [];

    /// <summary>The SAEs shown: those asked for (separate maps) or the joint map's.</summary>
    public IReadOnlyList<string> Selected { get; private set; } = [];

    /// <summary>The joint map shown, or null for separate maps.</summary>
    public JointUmapInfo? Joint { get; private set; }

    public int? Focus { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? model, string[]? sae, string? joint, int? focus, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(model)) return Page();
        ModelRecord = await modelStore.GetModelAsync(model, cancellationToken);
        if (ModelRecord is null) return NotFound();
        Saes = await modelStore.ListSaesAsync(model, cancellationToken);
        SaesWithMap = await umapStore.ListSaesWithUmapAsync(model, cancellationToken);
        JointMaps = await umapStore.ListJointUmapsAsync(model, cancellationToken);
        if (!string.IsNullOrEmpty(joint))
        {
            Joint = JointMaps.FirstOrDefault(j => j.Name == joint);
            if (Joint is null) return NotFound();
            Selected = Joint.Saes;
        }
        else
        {
            Selected = (sae ?? []).Where(s => Saes.Any(r => r.Name == s)).Distinct().Take(MaxSaes).ToList();
            if (Selected.Count == 0 && Saes.Count > 0) Selected = [Saes[0].Name];
        }
        Focus = focus;
        return Page();
    }

    public string JointUrl(JointUmapInfo map) => $"/map?model={Uri.EscapeDataString(ModelRecord!.Name)}&joint={Uri.EscapeDataString(map.Name)}";
}
