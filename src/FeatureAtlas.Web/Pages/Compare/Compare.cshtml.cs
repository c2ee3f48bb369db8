using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Runtime;
using FeatureAtlas.Core.Similarity;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Web.Inference;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Compare;

/// <summary>
/// <c>/compare?model=&amp;a=&amp;b=</c>: two SAEs of a model matched by decoder cosine: the best-match histogram
/// each way, the closest pairs side by side, and the features unique to each (best match below 0.7). A comparison
/// spends the inference budget (<see cref="AtlasBudgets"/>).
/// </summary>
public sealed class ComparePageModel(IModelStore modelStore, IExplanationStore explanationStore, SaeComparisons comparisons, AtlasBudgets budgets) : PageModel
{
    public const int Listed = 50;

    public IReadOnlyList<SaeRecord> Saes { get; private set; } = [];

    public string? ModelName { get; private set; }

    public ModelRecord? ModelRecord { get; private set; }

    public string? A { get; private set; }

    public string? B { get; private set; }

    public SaeComparison? Result { get; private set; }

    public string? Problem { get; private set; }

    /// <summary>Best explanations of the listed features.</summary>
    public IReadOnlyDictionary<FeatureKey, string> Explanations { get; private set; } = new Dictionary<FeatureKey, string>();

    /// <summary>The closest pairs (A index, B index, cosine), mutual best matches first by cosine.</summary>
    public IReadOnlyList<(int A, int B, float Cosine)> Pairs { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string? model, string? a, string? b, CancellationToken cancellationToken)
    {
        ModelName = model;
        A = a;
        B = b;
        if (string.IsNullOrEmpty(model)) return Page();
        ModelRecord = await modelStore.GetModelAsync(model, cancellationToken);
        if (ModelRecord is null) return NotFound();
        Saes = await modelStore.ListSaesAsync(model, cancellationToken);
        if (string.IsNullOrEmpty(a) || string.IsNullOrEmpty(b)) return Page();
        if (Saes.All(s => s.Name != a) || Saes.All(s => s.Name != b)) return NotFound();
        // Loading the model's SAEs and two all-against-all GEMMs cost seconds: the same budget as running the model.
        if (budgets.Inference(HttpContext) is { } wait)
        {
            Problem = $"Too many requests: this client has run the model too often in the last minute; retry in {wait} s.";
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }
        try
        {
            Result = await comparisons.GetAsync(model, a, b, cancellationToken);
        }
        catch (Exception e) when (e is ModelUnavailableException or KeyNotFoundException or ArgumentException)
        {
            Problem = Rendering.UserMessages.Of(e);
            return Page();
        }
        var r = Result;
        Pairs = Enumerable.Range(0, r.FeaturesA).Where(i => r.BestInA[r.BestInB[i]] == i)
            .Select(i => (i, r.BestInB[i], r.BestInBCosine[i])).OrderByDescending(p => p.Item3).ThenBy(p => p.i).Take(Listed).ToList();
        var keys = Pairs.SelectMany(p => new[] { new FeatureKey(model, a, p.A), new FeatureKey(model, b, p.B) })
            .Concat(r.UniqueToA.Take(Listed).Select(i => new FeatureKey(model, a, i)))
            .Concat(r.UniqueToB.Take(Listed).Select(i => new FeatureKey(model, b, i))).ToHashSet();
        Explanations = await explanationStore.BestExplanationsAsync(keys, cancellationToken);
        return Page();
    }

    public string? Explanation(string sae, int index) => Explanations.GetValueOrDefault(new FeatureKey(ModelName!, sae, index));
}
