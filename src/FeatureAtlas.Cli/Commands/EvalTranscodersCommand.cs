using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Data;
using FeatureAtlas.Jobs;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas eval-transcoders</c>: the replacement model (every MLP replaced by its transcoder) over a stored corpus:
/// CE loss clean / replaced / MLPs ablated, CE loss recovered, KL to the clean next-token distribution, per-block L0 and
/// normalised MSE. --json prints {"tokens", "positions", "ce_loss_clean", "ce_loss_replacement", "ce_loss_mlp_ablation",
/// "ce_loss_recovered", "kl_div", "kl_div_mlp_ablation", "l0": [per block], "normalized_mse": [per block]}.
/// </summary>
internal static class EvalTranscodersCommand
{
    internal static string Summary(ReplacementEvalResult r) => string.Create(CultureInfo.InvariantCulture,
        $"replacement model over {r.Tokens:N0} tokens: CE clean {r.CeLossClean:F4}, replaced {r.CeLossReplacement:F4}, MLPs ablated {r.CeLossMlpAblation:F4}; CE loss recovered {r.CeLossRecovered:F3}; KL {r.KlDivergence:F4} (ablated {r.KlDivergenceMlpAblation:F4})");

    public static Command Create()
    {
        var model = CliOptions.Model();
        var transcoders = new Option<string[]>("--transcoders") { Description = "Transcoder folders, one per block.", Required = true, AllowMultipleArgumentsPerToken = true };
        var corpus = new Option<string>("--corpus") { Description = "A corpus added with `atlas corpus add`.", Required = true };
        var tokens = new Option<long>("--tokens") { Description = "Corpus tokens to evaluate on (whole windows).", DefaultValueFactory = _ => 20_000 };
        var batch = new Option<int>("--batch") { Description = "Windows per forward pass.", DefaultValueFactory = _ => 8 };
        var processing = CliOptions.Processing();
        var json = CliOptions.Json();
        var db = StoreOptions.Db();
        var command = new Command("eval-transcoders", "Evaluate the replacement model (MLPs replaced by transcoders): CE loss recovered and KL.")
        {
            model, transcoders, corpus, tokens, batch, processing, json, db,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(tokens) <= 0 || parse.GetValue(batch) <= 0) throw new UsageException("--tokens and --batch must be positive.");
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, cancellationToken);
            var folders = parse.GetValue(transcoders)!;
            var processingValue = CliOptions.ParseProcessing(parse.GetValue(processing)) ?? WeightProcessing.Raw;
            using var stop = StopSignal.Register(cancellationToken);
            Task<ReplacementEvalResult> Run(IProgress<JobProgress>? progress) => ReplacementEvalJob.RunAsync(parse.GetValue(model)!, folders, parse.GetValue(corpus)!,
                parse.GetValue(tokens), parse.GetValue(batch), processingValue, store.Corpora, progress, stop.Token);
            try
            {
                var r = parse.GetValue(json) ? await Run(null) : await ProgressDisplay.RunAsync("eval-transcoders", Run);
                if (parse.GetValue(json))
                {
                    var result = new JsonObject
                    {
                        ["tokens"] = r.Tokens, ["positions"] = r.Positions, ["ce_loss_clean"] = r.CeLossClean, ["ce_loss_replacement"] = r.CeLossReplacement,
                        ["ce_loss_mlp_ablation"] = r.CeLossMlpAblation, ["ce_loss_recovered"] = r.CeLossRecovered, ["kl_div"] = r.KlDivergence,
                        ["kl_div_mlp_ablation"] = r.KlDivergenceMlpAblation, ["l0"] = new JsonArray(r.L0.Select(x => (JsonNode)x).ToArray()),
                        ["normalized_mse"] = new JsonArray(r.NormalizedMse.Select(x => (JsonNode)x).ToArray()),
                    };
                    Console.WriteLine(result.ToJsonString());
                }
                else
                {
                    Console.Out.WriteLine(Summary(r));
                    for (var l = 0; l < r.L0.Length; l++) Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  block {l}: L0 {r.L0[l]:F1}, normalised MSE {r.NormalizedMse[l]:F4}"));
                }
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("Stopped.");
                return ExitCodes.Cancelled;
            }
        });
        return command;
    }
}
