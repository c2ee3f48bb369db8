using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Circuits;

/// <summary>
/// What every circuit page shares: the model (404 when unknown) and its SAEs, read through the runtime's catalog. The
/// pages render their settings from the query string and run nothing themselves; wwwroot/js/circuits-*.js run them
/// through the circuit API (with its rate limit) when the query holds enough to run, so each page's URL is its share
/// link.
/// </summary>
public abstract class CircuitsPageModel(IModelCatalog catalog) : PageModel
{
    public ModelRecord Record { get; private set; } = null!;

    public IReadOnlyList<SaeRecord> Saes { get; private set; } = [];

    /// <summary>Whether the query holds what the tool needs, so the page runs it on opening.</summary>
    public bool AutoRun { get; protected set; }

    public async Task<IActionResult> OnGetAsync(string model, CancellationToken cancellationToken)
    {
        var record = await catalog.GetModelAsync(model, cancellationToken);
        if (record is null) return NotFound();
        Record = record;
        Saes = await catalog.ListSaesAsync(model, cancellationToken);
        ReadQuery();
        return Page();
    }

    /// <summary>Fills the page's settings from <see cref="PageModel.Request"/>'s query string.</summary>
    protected abstract void ReadQuery();

    protected string? Query(string name) => Request.Query[name].FirstOrDefault() is { Length: > 0 } value ? value : null;

    protected static int? ParseWhole(string? value) =>
        int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : null;
}
