using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Social;
using FeatureAtlas.Data.Stores;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Saes;

/// <summary>An SAE (<c>/{model}/{sae}</c>): its statistics, density histogram and a paged list of its features.</summary>
public sealed class SaePageModel(AtlasStore store) : PageModel
{
    public const int PageSize = 50;

    public SaeRecord Sae { get; private set; } = null!;

    public SaeDashboardSummary? Run { get; private set; }

    public IReadOnlyList<FeatureSummary> Features { get; private set; } = [];

    public int Offset { get; private set; }

    public SaeEvalRecord? Eval { get; private set; }

    public async Task<IActionResult> OnGetAsync(string model, string sae, int offset, CancellationToken cancellationToken)
    {
        var record = await store.GetSaeAsync(model, sae, cancellationToken);
        if (record is null) return NotFound();
        Sae = record;
        Offset = Math.Clamp(offset, 0, Math.Max(0, record.DSae - 1));
        Run = await store.GetDashboardSummaryAsync(model, sae, cancellationToken);
        Eval = await store.GetEvalAsync(model, sae, cancellationToken);
        if (Run is not null) Features = await store.ListFeatureSummariesAsync(model, sae, Offset, PageSize, cancellationToken);
        return Page();
    }
}
