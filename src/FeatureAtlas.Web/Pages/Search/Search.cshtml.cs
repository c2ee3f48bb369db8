using System.Globalization;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Api;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Inference;
using FeatureAtlas.Web.Rendering;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Search;

/// <summary>
/// Search by inference (<c>/search?model=&amp;text=…</c>): the text runs through the model and the chosen SAEs, and
/// the features are ranked by their maximum, or by their sum at chosen token positions. The query is the URL, so a
/// search can be shared; the work is the same as <c>POST /api/search-all</c>.
/// </summary>
public sealed class SearchModel(IModelStore modelStore, IDashboardStore dashboardStore, IExplanationStore explanationStore, ModelRuntime models, AtlasWebOptions limits, AtlasBudgets budgets, Api.SourceIds sources) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "model")]
    public string? ModelName { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Text { get; set; }

    /// <summary>SAE names to search (none ticked: all).</summary>
    [BindProperty(SupportsGet = true, Name = "sae")]
    public List<string> SelectedSaes { get; set; } = [];

    /// <summary>Token positions to rank by, comma-separated (empty: rank by the maximum).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Sort { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool? IgnoreBos { get; set; }

    /// <summary>Leave out features denser than this (0 to 1); empty: no filter.</summary>
    [BindProperty(SupportsGet = true)]
    public float? Density { get; set; }

    [BindProperty(SupportsGet = true)]
    public int N { get; set; } = 20;

    /// <summary>
    /// <c>relative</c> (the page's default): each activation over the feature's largest in its dashboards, so one SAE
    /// with larger activations does not take every place; <c>activation</c>: raw values (the API's default).
    /// </summary>
    [BindProperty(SupportsGet = true)]
    public string Rank { get; set; } = "relative";

    public IReadOnlyList<ModelRecord> Models { get; private set; } = [];

    public IReadOnlyList<SaeRecord> Saes { get; private set; } = [];

    public SearchAllResponse? Result { get; private set; }

    public string? Problem { get; private set; }

    /// <summary>Why the results are ranked by raw activation although relative ranking was asked for.</summary>
    public string? RankNote { get; private set; }

    public double Milliseconds { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Models = await modelStore.ListModelsAsync(cancellationToken);
        if (Models.Count == 0) return Page();
        ModelName ??= Models[0].Name;
        if (!Models.Any(m => m.Name == ModelName)) return NotFound();
        Saes = await modelStore.ListSaesAsync(ModelName, cancellationToken);
        if (string.IsNullOrWhiteSpace(Text)) return Page();
        // The same budget as POST /api/search-all: a search by URL runs the model just as the API does.
        if (budgets.Inference(HttpContext) is { } wait)
        {
            Problem = $"Too many requests: this client has run the model too often in the last minute; retry in {wait} s.";
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }

        // Relative ranking needs each searched SAE's dashboards; without them the page ranks by raw activation and says why.
        if (Rank == "relative")
        {
            foreach (var name in SelectedSaes.Count > 0 ? SelectedSaes : Saes.Select(s => s.Name).ToList())
            {
                if (await dashboardStore.GetMaxActivationsAsync(ModelName, name, cancellationToken) is not null) continue;
                Rank = "activation";
                RankNote = $"SAE '{name}' has no dashboards yet, so there is no max activation to rank relative to: results are ranked by raw activation.";
                break;
            }
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var request = new SearchAllRequest(
                ModelName, System.Text.Json.JsonSerializer.SerializeToElement(Text), SelectedSaes.ToArray(), ParsePositions(Sort), IgnoreBos ?? true, Density ?? -1f, Math.Clamp(N, 1, 100), Ranking: Rank);
            Result = (await InferenceApi.SearchAll(request, models, limits, dashboardStore, explanationStore, sources, HttpContext, cancellationToken)).Value;
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or ModelUnavailableException or Core.Tensors.NonFiniteValuesException)
        {
            Problem = UserMessages.Of(e);
            Response.StatusCode = e switch
            {
                ModelUnavailableException => StatusCodes.Status503ServiceUnavailable,
                Core.Tensors.NonFiniteValuesException => StatusCodes.Status422UnprocessableEntity,
                _ => StatusCodes.Status400BadRequest,
            };
        }
        Milliseconds = watch.Elapsed.TotalMilliseconds;
        return Page();
    }

    private static int[] ParsePositions(string? sort)
    {
        if (string.IsNullOrWhiteSpace(sort)) return [];
        return sort.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : throw new ArgumentException($"Sort positions must be token numbers like 3,4; found '{p}'."))
            .ToArray();
    }
}
