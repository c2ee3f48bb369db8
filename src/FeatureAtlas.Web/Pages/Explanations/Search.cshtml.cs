using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Explanations;

/// <summary>
/// Full-text search over explanations (<c>/search-explanations?q=&amp;model=&amp;sae=&amp;sae=…&amp;offset=</c>): best
/// matches first, <see cref="ExplanationSearch.PageSize"/> a page, each linking to its feature; optionally within one
/// model and some of its SAEs (Neuronpedia's layers).
/// </summary>
public sealed class SearchExplanationsModel(IModelStore modelStore, IExplanationStore explanationStore) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    [BindProperty(SupportsGet = true, Name = "model")]
    public string? ModelName { get; set; }

    /// <summary>SAE names of <see cref="ModelName"/> to search within; none: all of them.</summary>
    [BindProperty(SupportsGet = true, Name = "sae")]
    public string[] SaeNames { get; set; } = [];

    [BindProperty(SupportsGet = true)]
    public int Offset { get; set; }

    /// <summary>Every model with its SAEs, for the model select and the SAE multi-select (grouped by model).</summary>
    public IReadOnlyList<(ModelRecord Model, IReadOnlyList<SaeRecord> Saes)> Models { get; private set; } = [];

    public IReadOnlyList<ExplanationRecord> Results { get; private set; } = [];

    public bool HasMore { get; private set; }

    /// <summary>Whether a search ran (a long enough query was given).</summary>
    public bool Searched { get; private set; }

    public string? Problem { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var models = new List<(ModelRecord, IReadOnlyList<SaeRecord>)>();
        foreach (var m in await modelStore.ListModelsAsync(cancellationToken)) models.Add((m, await modelStore.ListSaesAsync(m.Name, cancellationToken)));
        Models = models;
        Offset = Math.Max(0, Offset);
        SaeNames = SaeNames.Where(s => !string.IsNullOrEmpty(s)).Distinct().ToArray();
        var query = Query?.Trim() ?? "";
        if (query.Length == 0) return;
        if (query.Length < ExplanationsApi.MinQuery)
        {
            Problem = $"Type at least {ExplanationsApi.MinQuery} characters to search.";
            return;
        }
        var model = string.IsNullOrWhiteSpace(ModelName) ? null : ModelName;
        if (model is null && SaeNames.Length > 0)
        {
            Problem = "Choose the model whose SAEs to search within.";
            return;
        }
        try
        {
            (Results, HasMore) = await explanationStore.SearchExplanationsAsync(model, SaeNames, query, Offset, cancellationToken);
        }
        catch (KeyNotFoundException e)
        {
            Problem = Rendering.UserMessages.Of(e);
            return;
        }
        Searched = true;
    }

    public bool IsSelected(string model, string sae) => model == ModelName && SaeNames.Contains(sae);

    /// <summary>This search's URL at another offset.</summary>
    public string PageUrl(int offset) =>
        $"/search-explanations?q={Uri.EscapeDataString(Query ?? "")}" +
        (string.IsNullOrWhiteSpace(ModelName) ? "" : "&model=" + Uri.EscapeDataString(ModelName)) +
        string.Concat(SaeNames.Select(s => "&sae=" + Uri.EscapeDataString(s))) +
        (offset > 0 ? $"&offset={offset}" : "");
}
