using FeatureAtlas.Core.Community;
using FeatureAtlas.Core.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Saes;

/// <summary>An SAE (<c>/{model}/{sae}</c>): its statistics, density histogram and a paged list of its features.</summary>
public sealed class SaePageModel(IModelStore modelStore, IDashboardStore dashboardStore, ISaeEvalStore evalStore, IFeatureAnalysisStore analysisStore, IJobStore jobStore) : PageModel
{
    public const int PageSize = 50;

    public SaeRecord Sae { get; private set; } = null!;

    public ModelRecord ModelRecord { get; private set; } = null!;

    public SaeDashboardSummary? Run { get; private set; }

    public IReadOnlyList<FeatureSummary> Features { get; private set; } = [];

    public int Offset { get; private set; }

    public SaeEvalRecord? Eval { get; private set; }

    /// <summary>The analysis job's summary ("N features predict first names"); null until it ran.</summary>
    public Core.Dashboards.SaeAnalysisSummary? Analysis { get; private set; }

    /// <summary>The newest chain of jobs of an uploaded SAE (dashboards, explanations, map) while it runs or when it failed; null otherwise.</summary>
    public JobRecord? Processing { get; private set; }

    /// <summary>The list's order (<c>?sort=index|density|max|score</c>) and direction (<c>?desc=true|false</c>).</summary>
    public FeatureOrder Order { get; private set; }

    public bool Descending { get; private set; }

    /// <summary>Sortable columns: query value, order, and the direction a first click sorts by (largest first).</summary>
    public static readonly (string Key, FeatureOrder Order, bool FirstDescending)[] Sorts =
    [
        ("index", FeatureOrder.Index, false),
        ("density", FeatureOrder.Density, true),
        ("max", FeatureOrder.MaxActivation, true),
        ("score", FeatureOrder.ExplanationScore, true),
    ];

    public string SortKey => Sorts.First(s => s.Order == Order).Key;

    /// <summary>A link to this list sorted by <paramref name="key"/>: the other direction when it is already so sorted.</summary>
    public string SortUrl(string key)
    {
        var sort = Sorts.First(s => s.Key == key);
        var desc = sort.Order == Order ? !Descending : sort.FirstDescending;
        return $"?sort={key}&desc={(desc ? "true" : "false")}";
    }

    /// <summary>"Features 0–49" by index; "Features by density, largest first: 1–50" (ranks) otherwise.</summary>
    public string ListHeading => Order == FeatureOrder.Index && !Descending
        ? $"Features {Offset:N0}–{Offset + Features.Count - 1:N0}"
        : $"Features by {OrderName}, {(Descending ? "largest" : "smallest")} first: {Offset + 1:N0}–{Offset + Features.Count:N0}";

    private string OrderName => Order switch
    {
        FeatureOrder.Density => "density",
        FeatureOrder.MaxActivation => "max activation",
        FeatureOrder.ExplanationScore => "explanation score",
        _ => "index",
    };

    /// <summary>The query that keeps the order when paging.</summary>
    public string OrderQuery => Order == FeatureOrder.Index && !Descending ? "" : $"sort={SortKey}&desc={(Descending ? "true" : "false")}&";

    public async Task<IActionResult> OnGetAsync(string model, string sae, int offset, string? sort, bool? desc, CancellationToken cancellationToken)
    {
        var record = await modelStore.GetSaeAsync(model, sae, cancellationToken);
        if (record is null) return NotFound();
        Sae = record;
        ModelRecord = await modelStore.GetModelAsync(model, cancellationToken) ?? throw new KeyNotFoundException($"Model '{model}' of SAE '{sae}' is not stored.");
        Offset = Math.Clamp(offset, 0, Math.Max(0, record.DSae - 1));
        Run = await dashboardStore.GetDashboardSummaryAsync(model, sae, cancellationToken);
        Eval = await evalStore.GetEvalAsync(model, sae, cancellationToken);
        var chains = await jobStore.ListJobsAboutAsync(FeatureAtlas.Jobs.SaeBuildJobOptions.SubjectOf(model, sae), 1, cancellationToken);
        Processing = chains.Count > 0 && chains[0].State != JobStates.Succeeded ? chains[0] : null;
        var chosen = Sorts.FirstOrDefault(s => s.Key == sort);
        if (chosen.Key is null) chosen = Sorts[0];
        Order = chosen.Order;
        Descending = desc ?? chosen.FirstDescending;
        if (Run is not null)
        {
            Analysis = await analysisStore.GetAnalysisSummaryAsync(model, sae, cancellationToken);
            Features = Order == FeatureOrder.Index && !Descending
                ? await dashboardStore.ListFeatureSummariesAsync(model, sae, Offset, PageSize, cancellationToken)
                : await dashboardStore.ListFeatureSummariesAsync(model, sae, Order, Descending, Offset, PageSize, cancellationToken);
        }
        return Page();
    }
}
