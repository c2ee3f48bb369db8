using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Saes;

/// <summary>
/// Evaluated SAEs of a model side by side (<c>/{model}/leaderboard?hook=…&amp;sort=…&amp;desc=…</c>), sorted by any
/// metric; the default puts the smallest CE loss increase (loss with the SAE minus clean loss) first: it means what it
/// says on any model, where CE loss recovered divides by the damage zero ablation does, which can be none.
/// </summary>
public sealed class LeaderboardPageModel(IModelStore modelStore, ISaeEvalStore evalStore) : PageModel
{
    /// <summary>Sortable columns: query value, heading, value, whether larger is better.</summary>
    public static readonly (string Key, string Heading, Func<SaeEvalRecord, double> Value, bool HigherIsBetter)[] Metrics =
    [
        ("ce_increase", "CE loss increase", e => e.Result.CeLossWithSae - e.Result.CeLossClean, false),
        ("ce_loss_recovered", "CE loss recovered", e => e.Result.CeLossRecovered, true),
        ("l0", "L0", e => e.Result.L0, false),
        ("explained_variance", "Explained variance", e => e.Result.ExplainedVariance, true),
        ("cossim", "Cosine sim.", e => e.Result.CosineSimilarity, true),
        ("mse", "MSE", e => e.Result.Mse, false),
        ("ce_with_sae", "CE with SAE", e => e.Result.CeLossWithSae, false),
        ("dead", "Dead", e => e.Result.DeadFeatures, false),
        ("dense", "Dense", e => e.Result.DenseFeatures, false),
        ("d_sae", "Features", e => e.Result.DSae, true),
    ];

    public ModelRecord Record { get; private set; } = null!;

    public IReadOnlyList<SaeEvalRecord> Evals { get; private set; } = [];

    public IReadOnlyList<string> Hooks { get; private set; } = [];

    public string? Hook { get; private set; }

    public string Sort { get; private set; } = "ce_increase";

    public bool Descending { get; private set; }

    public async Task<IActionResult> OnGetAsync(string model, string? hook, string? sort, bool? desc, CancellationToken cancellationToken)
    {
        var record = await modelStore.GetModelAsync(model, cancellationToken);
        if (record is null) return NotFound();
        Record = record;
        Hook = string.IsNullOrWhiteSpace(hook) ? null : hook;
        var all = await evalStore.ListEvalsAsync(model, null, cancellationToken);
        Hooks = all.Select(e => e.HookName).Distinct().Order(StringComparer.Ordinal).ToList();
        var metric = Metrics.FirstOrDefault(m => m.Key == sort);
        if (metric.Key is null) metric = Metrics[0];
        Sort = metric.Key;
        Descending = desc ?? metric.HigherIsBetter;
        var rows = all.Where(e => Hook is null || e.HookName == Hook);
        // A CE loss recovered that means nothing (see CeLossRecoveredCaveat) sorts after those that do, either way.
        var flaggedLast = rows.OrderBy(e => metric.Key == "ce_loss_recovered" && CeLossRecoveredCaveat.Of(e.Result) is not null);
        Evals = (Descending ? flaggedLast.ThenByDescending(metric.Value) : flaggedLast.ThenBy(metric.Value)).ThenBy(e => e.Sae, StringComparer.Ordinal).ToList();
        return Page();
    }
}
