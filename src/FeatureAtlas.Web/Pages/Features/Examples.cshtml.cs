using FeatureAtlas.Core.Community;
using FeatureAtlas.Web.Rendering;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.OutputCaching;

namespace FeatureAtlas.Web.Pages.Features;

/// <summary>
/// <c>/{model}/{sae}/{index}/examples</c>: the feature's examples with every token of their windows, as an HTML
/// fragment without the layout. The feature page shows them collapsed around their peaks and swaps this in on
/// "show full context" (wwwroot/js/site.js). Cached like the feature page.
/// </summary>
[OutputCache(PolicyName = FeaturePageCache.PolicyName)]
public sealed class FeatureExamplesModel(FeatureViews views) : PageModel
{
    public FeatureView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string model, string sae, int index, CancellationToken cancellationToken)
    {
        var view = await views.GetAsync(new FeatureKey(model, sae, index), cancellationToken);
        if (view?.Dashboard is null) return NotFound();
        View = view;
        return Page();
    }
}
