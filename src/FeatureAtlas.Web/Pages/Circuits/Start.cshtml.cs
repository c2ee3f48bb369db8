using FeatureAtlas.Core.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Circuits;

/// <summary><c>/circuits</c> (the site's menu): the circuit tools of the only model, else a choice of model.</summary>
public sealed class CircuitsStartModel(IModelStore models) : PageModel
{
    public IReadOnlyList<ModelRecord> Models { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Models = await models.ListModelsAsync(cancellationToken);
        return Models.Count == 1 ? Redirect($"/{Uri.EscapeDataString(Models[0].Name)}/circuits") : Page();
    }
}
