using FeatureAtlas.Core.Corpora;
using FeatureAtlas.Core.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Models;

/// <summary>A model and its SAEs (<c>/{model}</c>).</summary>
public sealed class ModelPageModel(IModelStore modelStore, ICorpusStore corpusStore, AtlasWebOptions options) : PageModel
{
    public ModelRecord Record { get; private set; } = null!;

    public IReadOnlyList<SaeRecord> Saes { get; private set; } = [];

    /// <summary>The stored corpora an uploaded SAE's dashboards may be built on.</summary>
    public IReadOnlyList<CorpusInfo> Corpora { get; private set; } = [];

    /// <summary>The site's upload limit, shown beside the form.</summary>
    public long MaxUploadBytes => options.MaxSaeUploadBytes;

    public async Task<IActionResult> OnGetAsync(string model, CancellationToken cancellationToken)
    {
        var record = await modelStore.GetModelAsync(model, cancellationToken);
        if (record is null) return NotFound();
        Record = record;
        Saes = await modelStore.ListSaesAsync(model, cancellationToken);
        Corpora = await corpusStore.ListCorporaAsync(cancellationToken);
        return Page();
    }
}
