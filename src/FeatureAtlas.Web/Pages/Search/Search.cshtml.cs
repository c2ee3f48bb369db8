using System.Globalization;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Web.Api;
using FeatureAtlas.Web.Api.Contracts;
using FeatureAtlas.Web.Inference;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Search;

/// <summary>
/// Search by inference (<c>/search?model=&amp;text=…</c>): the text runs through the model and the chosen SAEs, and
/// the features are ranked by their maximum, or by their sum at chosen token positions. The query is the URL, so a
/// search can be shared; the work is the same as <c>POST /api/search-all</c>.
/// </summary>
public sealed class SearchModel(AtlasStore store, InferenceHost host) : PageModel
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

    public IReadOnlyList<ModelRecord> Models { get; private set; } = [];

    public IReadOnlyList<SaeRecord> Saes { get; private set; } = [];

    public SearchAllResponse? Result { get; private set; }

    public string? Problem { get; private set; }

    public double Milliseconds { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Models = await store.ListModelsAsync(cancellationToken);
        if (Models.Count == 0) return Page();
        ModelName ??= Models[0].Name;
        if (!Models.Any(m => m.Name == ModelName)) return NotFound();
        Saes = await store.ListSaesAsync(ModelName, cancellationToken);
        if (string.IsNullOrWhiteSpace(Text)) return Page();

        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var request = new SearchAllRequest(
                ModelName, System.Text.Json.JsonSerializer.SerializeToElement(Text), SelectedSaes.ToArray(), ParsePositions(Sort), IgnoreBos ?? true, Density ?? -1f, Math.Clamp(N, 1, 100));
            Result = (await InferenceApi.SearchAll(request, host, store, cancellationToken)).Value;
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or InferenceUnavailableException)
        {
            Problem = e.Message;
            Response.StatusCode = e is InferenceUnavailableException ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status400BadRequest;
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
