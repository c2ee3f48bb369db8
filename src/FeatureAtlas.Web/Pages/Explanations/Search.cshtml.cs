using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Social;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Explanations;

/// <summary>
/// Full-text search over explanations (<c>/search-explanations?q=&amp;model=&amp;offset=</c>): best matches first,
/// <see cref="AtlasStore.SearchPageSize"/> a page, each linking to its feature.
/// </summary>
public sealed class SearchExplanationsModel(AtlasStore store) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    [BindProperty(SupportsGet = true, Name = "model")]
    public string? ModelName { get; set; }

    [BindProperty(SupportsGet = true)]
    public int Offset { get; set; }

    public IReadOnlyList<ModelRecord> Models { get; private set; } = [];

    public IReadOnlyList<ExplanationInfo> Results { get; private set; } = [];

    public bool HasMore { get; private set; }

    /// <summary>Whether a search ran (a long enough query was given).</summary>
    public bool Searched { get; private set; }

    public string? Problem { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Models = await store.ListModelsAsync(cancellationToken);
        Offset = Math.Max(0, Offset);
        var query = Query?.Trim() ?? "";
        if (query.Length == 0) return;
        if (query.Length < ExplanationsApi.MinQuery)
        {
            Problem = $"Type at least {ExplanationsApi.MinQuery} characters to search.";
            return;
        }
        var model = string.IsNullOrWhiteSpace(ModelName) ? null : ModelName;
        (Results, HasMore) = await store.SearchExplanationsAsync(model, query, Offset, cancellationToken);
        Searched = true;
    }

    /// <summary>This search's URL at another offset.</summary>
    public string PageUrl(int offset) =>
        $"/search-explanations?q={Uri.EscapeDataString(Query ?? "")}" +
        (string.IsNullOrWhiteSpace(ModelName) ? "" : "&model=" + Uri.EscapeDataString(ModelName)) +
        (offset > 0 ? $"&offset={offset}" : "");
}
