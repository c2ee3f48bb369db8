using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Saes;

/// <summary>The SAE page's "open feature N" form lands here and is sent on to the feature's own URL.</summary>
public sealed class GoModel : PageModel
{
    public IActionResult OnGet(string model, string sae, int index) =>
        Redirect($"/{Uri.EscapeDataString(model)}/{Uri.EscapeDataString(sae)}/{Math.Max(0, index)}");
}
