using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Stores;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Models;

/// <summary>A model and its SAEs (<c>/{model}</c>).</summary>
public sealed class ModelPageModel(AtlasStore store) : PageModel
{
    public ModelRecord Record { get; private set; } = null!;

    public IReadOnlyList<SaeRecord> Saes { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string model, CancellationToken cancellationToken)
    {
        var record = await store.GetModelAsync(model, cancellationToken);
        if (record is null) return NotFound();
        Record = record;
        Saes = await store.ListSaesAsync(model, cancellationToken);
        return Page();
    }
}
