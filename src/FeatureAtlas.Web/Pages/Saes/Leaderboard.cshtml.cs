using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FeatureAtlas.Web.Pages.Saes;

/// <summary>
/// Evaluated SAEs of a model side by side (<c>/{model}/leaderboard?hook=…&amp;sort=…&amp;desc=…&amp;plot=…</c>), under
/// SAEBench's metric names, sorted by any metric; the default puts the smallest CE loss increase (loss with the SAE
/// minus clean loss) first: it means what it says on any model, where CE loss recovered divides by the damage zero
/// ablation does, which can be none. Metrics move with sparsity, so SAEBench compares SAEs at matched L0: the page
/// plots a chosen metric against L0, one point per SAE.
/// </summary>
public sealed class LeaderboardPageModel(IModelStore modelStore, ISaeEvalStore evalStore) : PageModel
{
    /// <summary>Sortable columns, SAEBench's core metrics under SAEBench's names (sae_bench/evals/core), then ours.</summary>
    public static readonly LeaderboardMetric[] Metrics =
    [
        new("ce_increase", "CE loss increase", "cross-entropy loss with the SAE spliced in, minus the clean loss", e => e.Result.CeLossWithSae - e.Result.CeLossClean, "F3", false),
        new("ce_loss_recovered", "ce_loss_score", "CE loss recovered: (CE ablated − CE with SAE) ÷ (CE ablated − CE clean)", e => e.Result.CeLossRecovered, "P1", true),
        new("kl_div_score", "kl_div_score", "(KL ablated − KL with SAE) ÷ KL ablated, KL to the clean next-token distribution", e => e.Result.KlDivScore, "F3", true),
        new("l0", "l0", "mean active features per token", e => e.Result.L0, "F1", false),
        new("l1", "l1", "mean sum of feature activations per token", e => e.Result.L1, "F1", false),
        new("explained_variance", "explained_variance", "1 − SSE ÷ total variance of the hook's activations", e => e.Result.ExplainedVariance, "F3", true),
        new("cossim", "cossim", "mean cosine of reconstruction and input", e => e.Result.CosineSimilarity, "F3", true),
        new("mse", "mse", "mean squared error per element", e => e.Result.Mse, "G4", false),
        new("l2_ratio", "l2_ratio", "mean ‖x̂‖ ÷ ‖x‖ (below 1: shrinkage)", e => e.Result.L2Ratio, "F3", true),
        new("relative_reconstruction_bias", "relative_reconstruction_bias", "mean ‖x̂‖² ÷ mean x·x̂ (1 is unbiased)", e => e.Result.RelativeReconstructionBias, "F3", true),
        new("frac_alive", "frac_alive", "share of features that fired at all", e => e.Result.FracAlive, "P1", true),
        new("freq_over_1_percent", "freq_over_1_percent", "share of features firing on more than 1% of tokens", e => e.Result.FreqOver1Percent, "P1", false),
        new("freq_over_10_percent", "freq_over_10_percent", "share of features firing on more than 10% of tokens", e => e.Result.FreqOver10Percent, "P1", false),
        new("decoder_fraction_variance_explained", "decoder_fraction_variance_explained", "decoder rows' variance a small BatchTopK meta-SAE explains", e => e.Result.DecoderFractionVarianceExplained, "F3", false),
        new("ce_with_sae", "ce_loss_with_sae", "cross-entropy loss with the SAE spliced in", e => e.Result.CeLossWithSae, "F3", false),
        new("dead", "Dead", "features that never fired", e => e.Result.DeadFeatures, "N0", false),
        new("dense", "Dense", "features firing on more than 10% of tokens", e => e.Result.DenseFeatures, "N0", false),
        new("d_sae", "Features", "d_sae", e => e.Result.DSae, "N0", true),
    ];

    /// <summary>Metrics the matched-L0 plot can show against L0.</summary>
    public static IEnumerable<LeaderboardMetric> Plottable => Metrics.Where(m => m.Key is not ("l0" or "dead" or "dense" or "d_sae"));

    public ModelRecord Record { get; private set; } = null!;

    public IReadOnlyList<SaeEvalRecord> Evals { get; private set; } = [];

    public IReadOnlyList<string> Hooks { get; private set; } = [];

    public string? Hook { get; private set; }

    public string Sort { get; private set; } = "ce_increase";

    /// <summary>The metric plotted against L0 (<c>?plot=</c>; kl_div_score by default).</summary>
    public LeaderboardMetric Plot { get; private set; } = Metrics[2];

    /// <summary>The plot's points: one per shown SAE that has both L0 and the metric, in the table's order.</summary>
    public IReadOnlyList<(SaeEvalRecord Eval, double L0, double Value)> Points { get; private set; } = [];

    public bool Descending { get; private set; }

    public async Task<IActionResult> OnGetAsync(string model, string? hook, string? sort, bool? desc, string? plot, CancellationToken cancellationToken)
    {
        var record = await modelStore.GetModelAsync(model, cancellationToken);
        if (record is null) return NotFound();
        Record = record;
        Hook = string.IsNullOrWhiteSpace(hook) ? null : hook;
        var all = await evalStore.ListEvalsAsync(model, null, cancellationToken);
        Hooks = all.Select(e => e.HookName).Distinct().Order(StringComparer.Ordinal).ToList();
        var metric = Metrics.FirstOrDefault(m => m.Key == sort) ?? Metrics[0];
        Sort = metric.Key;
        Descending = desc ?? metric.HigherIsBetter;
        var rows = all.Where(e => Hook is null || e.HookName == Hook);
        // A CE loss recovered that means nothing (see CeLossRecoveredCaveat) sorts after those that do, either way.
        var flaggedLast = rows.OrderBy(e => metric.Key == "ce_loss_recovered" && CeLossRecoveredCaveat.Of(e.Result) is not null);
        // An evaluation without the metric (made before SAEBench's were stored, or imported without it) sorts last.
        var missingLast = flaggedLast.ThenBy(e => metric.Value(e) is null);
        Evals = (Descending ? missingLast.ThenByDescending(metric.Value) : missingLast.ThenBy(metric.Value)).ThenBy(e => e.Sae, StringComparer.Ordinal).ToList();
        Plot = Plottable.FirstOrDefault(m => m.Key == plot) ?? Plot;
        Points = Evals.Select(e => (Eval: e, e.Result.L0, Value: Plot.Value(e)))
            .Where(p => double.IsFinite(p.L0) && p.Value is { } v && double.IsFinite(v)).Select(p => (p.Eval, p.L0, p.Value!.Value)).ToList();
        return Page();
    }
}
