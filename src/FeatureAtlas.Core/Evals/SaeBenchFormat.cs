using System.Text.Json;
using System.Text.Json.Nodes;

namespace FeatureAtlas.Core.Evals;

/// <summary>
/// SAEBench's core-eval result file (sae_bench/evals/core/eval_output.py): <c>eval_type_id</c> "core",
/// <c>eval_config</c>, <c>eval_id</c>, <c>datetime_epoch_millis</c>, <c>eval_result_metrics</c> grouped as SAEBench
/// groups them (model_behavior_preservation, model_performance_preservation, reconstruction_quality, shrinkage,
/// sparsity, token_stats, misc_metrics), <c>eval_result_details</c> (per-feature density) and the SAE's identity.
/// <see cref="Read"/> takes such files from SAEBench itself, for SAEs evaluated elsewhere.
/// </summary>
public static class SaeBenchFormat
{
    /// <summary>The file for <paramref name="result"/>; <paramref name="featureDensity"/> [S] fills eval_result_details when given.</summary>
    public static JsonObject Write(SaeEvalResult result, string model, string sae, string hookName, string corpus, int? contextSize, DateTimeOffset createdAt,
        IReadOnlyList<double>? featureDensity = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new JsonObject
        {
            ["eval_type_id"] = "core",
            ["eval_config"] = new JsonObject
            {
                ["model_name"] = model,
                ["dataset"] = corpus,
                ["context_size"] = contextSize,
                ["exclude_special_tokens_from_reconstruction"] = true,
                ["compute_kl"] = true,
                ["compute_ce_loss"] = true,
                ["compute_l2_norms"] = true,
                ["compute_sparsity_metrics"] = true,
                ["compute_variance_metrics"] = true,
                ["compute_featurewise_density_statistics"] = featureDensity is not null,
            },
            ["eval_id"] = Guid.NewGuid().ToString(),
            ["datetime_epoch_millis"] = createdAt.ToUnixTimeMilliseconds(),
            ["eval_result_metrics"] = new JsonObject
            {
                ["model_behavior_preservation"] = new JsonObject
                {
                    ["kl_div_score"] = result.KlDivScore,
                    ["kl_div_with_ablation"] = result.KlDivWithAblation,
                    ["kl_div_with_sae"] = result.KlDivWithSae,
                },
                ["model_performance_preservation"] = new JsonObject
                {
                    ["ce_loss_score"] = result.CeLossRecovered,
                    ["ce_loss_with_ablation"] = result.CeLossZeroAblation,
                    ["ce_loss_with_sae"] = result.CeLossWithSae,
                    ["ce_loss_without_sae"] = result.CeLossClean,
                },
                ["reconstruction_quality"] = new JsonObject
                {
                    ["explained_variance"] = result.ExplainedVariance,
                    ["mse"] = result.Mse,
                    ["cossim"] = result.CosineSimilarity,
                },
                ["shrinkage"] = new JsonObject
                {
                    ["l2_norm_in"] = result.L2NormIn,
                    ["l2_norm_out"] = result.L2NormOut,
                    ["l2_ratio"] = result.L2Ratio,
                    ["relative_reconstruction_bias"] = result.RelativeReconstructionBias,
                },
                ["sparsity"] = new JsonObject { ["l0"] = result.L0, ["l1"] = result.L1 },
                ["token_stats"] = new JsonObject
                {
                    ["total_tokens_eval_reconstruction"] = result.Tokens,
                    ["total_tokens_eval_sparsity_variance"] = result.Tokens,
                },
                ["misc_metrics"] = new JsonObject
                {
                    ["freq_over_1_percent"] = result.FreqOver1Percent,
                    ["freq_over_10_percent"] = result.FreqOver10Percent,
                    ["frac_alive"] = result.FracAlive,
                },
            },
            ["eval_result_details"] = new JsonArray([.. (featureDensity ?? []).Select((d, i) => (JsonNode)new JsonObject { ["index"] = i, ["feature_density"] = d })]),
            ["sae_lens_id"] = hookName,
            ["sae_lens_release_id"] = sae,
            ["sae_cfg_dict"] = new JsonObject { ["d_sae"] = result.DSae, ["hook_name"] = hookName, ["model_name"] = model },
        };
    }

    /// <summary>
    /// The metrics of a SAEBench core result file. SAEBench files hold no density histogram, dead/dense counts only
    /// through frac_alive and freq_over_10_percent, and d_sae in sae_cfg_dict; a file without eval_result_metrics, or
    /// another eval type, is an <see cref="InvalidDataException"/> naming <paramref name="where"/>.
    /// </summary>
    public static SaeEvalResult Read(JsonNode file, string where)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file is not JsonObject root) throw new InvalidDataException($"{where}: expected a JSON object.");
        var type = root["eval_type_id"]?.GetValue<string>();
        if (type is not null && type != "core") throw new InvalidDataException($"{where}: eval_type_id is \"{type}\", expected \"core\".");
        var metrics = root["eval_result_metrics"] as JsonObject ?? throw new InvalidDataException($"{where}: eval_result_metrics is missing.");
        double? Optional(string group, string name) => metrics[group]?[name] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
        double Required(string group, string name) =>
            Optional(group, name) ?? throw new InvalidDataException($"{where}: eval_result_metrics.{group}.{name} is missing or not a number.");
        var dSae = root["sae_cfg_dict"]?["d_sae"] is JsonValue ds && ds.TryGetValue<int>(out var s) ? s : 0;
        var alive = Optional("misc_metrics", "frac_alive");
        var over10 = Optional("misc_metrics", "freq_over_10_percent");
        return new SaeEvalResult
        {
            Tokens = metrics["token_stats"]?["total_tokens_eval_reconstruction"] is JsonValue t && t.TryGetValue<long>(out var tokens) ? tokens : 0,
            L0 = Required("sparsity", "l0"),
            Mse = Required("reconstruction_quality", "mse"),
            ExplainedVariance = Required("reconstruction_quality", "explained_variance"),
            CosineSimilarity = Optional("reconstruction_quality", "cossim") ?? double.NaN,
            CeLossClean = Optional("model_performance_preservation", "ce_loss_without_sae") ?? double.NaN,
            CeLossWithSae = Optional("model_performance_preservation", "ce_loss_with_sae") ?? double.NaN,
            CeLossZeroAblation = Optional("model_performance_preservation", "ce_loss_with_ablation") ?? double.NaN,
            CeLossRecovered = Required("model_performance_preservation", "ce_loss_score"),
            DeadFeatures = alive is { } a && dSae > 0 ? (int)Math.Round((1 - a) * dSae) : 0,
            DenseFeatures = over10 is { } o && dSae > 0 ? (int)Math.Round(o * dSae) : 0,
            DSae = dSae,
            LogDensityHistogram = [],
            KlDivWithSae = Optional("model_behavior_preservation", "kl_div_with_sae"),
            KlDivWithAblation = Optional("model_behavior_preservation", "kl_div_with_ablation"),
            KlDivScore = Optional("model_behavior_preservation", "kl_div_score"),
            L1 = Optional("sparsity", "l1"),
            L2NormIn = Optional("shrinkage", "l2_norm_in"),
            L2NormOut = Optional("shrinkage", "l2_norm_out"),
            L2Ratio = Optional("shrinkage", "l2_ratio"),
            RelativeReconstructionBias = Optional("shrinkage", "relative_reconstruction_bias"),
            FracAlive = alive,
            FreqOver1Percent = Optional("misc_metrics", "freq_over_1_percent"),
            FreqOver10Percent = over10,
        };
    }

    /// <summary>Reads a SAEBench result file from disk; malformed JSON names the file.</summary>
    public static SaeEvalResult ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not JSON ({e.Message}).", e);
        }
        return Read(node ?? throw new InvalidDataException($"{path}: empty JSON."), path);
    }
}
