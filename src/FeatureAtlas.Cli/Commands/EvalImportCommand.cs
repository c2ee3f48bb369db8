using System.CommandLine;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas eval import --model M --sae S FILE</c>: stores a SAEBench core result file, from an SAE evaluated
/// elsewhere, as that SAE's evaluation (marked imported, with the file's name). The file must match the SAE
/// (d_sae and hook when it names them) and hold the metrics the leaderboard shows; anything else is refused with the
/// field named, before anything is stored.
/// </summary>
internal static class EvalImportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model's name in the store.", Required = true };
        var sae = new Option<string>("--sae") { Description = "The SAE's name in the store (of --model).", Required = true };
        var file = new Argument<string>("FILE") { Description = "A SAEBench core result file (eval_type_id \"core\", eval_result_metrics / eval_config)." };
        var json = CliOptions.Json();
        var db = StoreOptions.Db();
        var command = new Command("import", "Store a SAEBench core result file as an SAE's evaluation (for SAEs evaluated elsewhere).") { model, sae, file, json, db };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path)) throw new UsageException($"{path}: no such file.");
            var (result, hook, dataset, createdAt) = Read(path);
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, cancellationToken);
            var (modelName, saeName) = (parse.GetValue(model)!, parse.GetValue(sae)!);
            var record = await store.Models.GetSaeAsync(modelName, saeName, cancellationToken)
                ?? throw new KeyNotFoundException($"--sae: model '{modelName}' has no SAE '{saeName}' in the store (add it with `atlas sae add`).");
            if (result.DSae != 0 && result.DSae != record.DSae)
            {
                throw new InvalidDataException($"{path}: sae_cfg_dict.d_sae is {result.DSae}, but SAE '{saeName}' has {record.DSae} features.");
            }
            if (hook is not null && hook != record.HookName)
            {
                throw new InvalidDataException($"{path}: sae_cfg_dict.hook_name is '{hook}', but SAE '{saeName}' reads '{record.HookName}'.");
            }
            var eval = new SaeEvalRecord(record.Name, record.HookName, dataset ?? "saebench", result with { DSae = record.DSae }, createdAt, Path.GetFileName(path));
            await store.Evals.SaveEvalAsync(modelName, saeName, eval, cancellationToken);
            if (parse.GetValue(json))
            {
                Console.WriteLine(new JsonObject
                {
                    ["model"] = modelName, ["sae"] = saeName, ["imported_from"] = eval.ImportedFrom, ["l0"] = result.L0,
                    ["kl_div_score"] = result.KlDivScore, ["ce_loss_score"] = result.CeLossRecovered, ["explained_variance"] = result.ExplainedVariance,
                }.ToJsonString());
            }
            else
            {
                Console.WriteLine($"Imported {Path.GetFileName(path)} as the evaluation of {saeName}: {EvalCommand.Summary(eval)}.");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The file's metrics, the hook it names, its dataset and time; fields the store keeps as numbers must be there.</summary>
    internal static (SaeEvalResult Result, string? Hook, string? Dataset, DateTimeOffset CreatedAt) Read(string path)
    {
        var result = SaeBenchFormat.ReadFile(path);
        var missing = new (string Field, double Value)[]
        {
            ("reconstruction_quality.cossim", result.CosineSimilarity), ("model_performance_preservation.ce_loss_without_sae", result.CeLossClean),
            ("model_performance_preservation.ce_loss_with_sae", result.CeLossWithSae), ("model_performance_preservation.ce_loss_with_ablation", result.CeLossZeroAblation),
        }.Where(m => !double.IsFinite(m.Value)).Select(m => m.Field).ToArray();
        if (missing.Length > 0) throw new InvalidDataException($"{path}: eval_result_metrics lacks {string.Join(", ", missing)} (a number each).");
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var createdAt = root["datetime_epoch_millis"] is JsonValue t && t.TryGetValue<long>(out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : DateTimeOffset.UtcNow;
        return (result, Text(root["sae_cfg_dict"]?["hook_name"]), Text(root["eval_config"]?["dataset"]), createdAt);
    }
}
