using FeatureAtlas.Core.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Models;

/// <summary>A model and its SAEs (<c>/{model}</c>).</summary>
public sealed class ModelPageModel(IModelStore modelStore) : PageModel
{
    public ModelRecord Record { get; private set; } = null!;

    public IReadOnlyList<SaeRecord> Saes { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string model, CancellationToken cancellationToken)
    {
        var record = await modelStore.GetModelAsync(model, cancellationToken);
        if (record is null) return NotFound();
        Record = record;
        Saes = await modelStore.ListSaesAsync(model, cancellationToken);
        return Page();
    }
}
