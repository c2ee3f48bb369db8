using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Jobs;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas patch</c>: activation patching of a clean prompt into a corrupted one of the same length. The --json shape
/// is a contract: {"tokens": [str] (the clean prompt's), "clean_metric", "corrupted_metric", "resid_pre": [L][T],
/// "attn_out": [L][T], "mlp_out": [L][T], "heads": [L][H]}; metrics are raw logit differences at the last position,
/// grid cells are normalised (clean = 1, corrupted = 0). <c>--method attribution</c> prints attribution patching's
/// first-order estimate in the same shape instead (one backward pass: a fast preview); <c>--method both</c> prints the
/// exact grids plus "attribution": {the four grids} and "correlation": {"resid_pre", "attn_out", "mlp_out", "heads"}
/// (Pearson r of estimate and exact). With <c>--sae</c> (repeatable), "features": [{"sae", "index", "attribution",
/// "patched"}]: the top 50 features of those SAEs by attribution (active at some position of either prompt), each
/// patched clean → corrupted at every position with the error term kept, normalised alike ("patched" is null with
/// <c>--method attribution</c>, which only ranks them). Exact patching runs as a resumable job (<see cref="PatchJob"/>)
/// with progress on stderr when output is redirected; stopped (Ctrl+C), it exits 130 and the same command continues
/// from the checkpoint in --checkpoint-dir.
/// </summary>
internal static class PatchCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model("A Hugging Face GPT-2 folder, or the name of a model in the store (--db).");
        var clean = CircuitsCli.Text("--clean", "The clean prompt");
        var cleanIds = CircuitsCli.Ids("--clean-ids", "The clean prompt");
        var corrupted = CircuitsCli.Text("--corrupted", "The corrupted prompt");
        var corruptedIds = CircuitsCli.Ids("--corrupted-ids", "The corrupted prompt");
        var target = CircuitsCli.Token("--target", "clean answer", required: true);
        var distractor = CircuitsCli.Token("--distractor", "corrupted answer", required: true);
        var method = new Option<string>("--method") { Description = "exact (one forward pass per cell), attribution (gradient estimate) or both (with their correlation).", DefaultValueFactory = _ => "exact" };
        var saes = new Option<string[]>("--sae") { Description = "An SAELens SAE folder or stored SAE name whose top 50 features by attribution to patch; repeatable." };
        var checkpoints = new Option<string>("--checkpoint-dir") { Description = "Where the resumable checkpoint of an exact run lives.", DefaultValueFactory = _ => Path.Combine(".atlas", "checkpoints") };
        var processing = CliOptions.Processing();
        var json = CliOptions.Json();
        var db = GenerationCli.Db();

        var command = new Command("patch", "Activation patching: clean activations into the corrupted run, one at a time.")
        {
            model, clean, cleanIds, corrupted, corruptedIds, target, distractor, method, saes, checkpoints, processing, json, db,
        };
        command.Validators.Add(result =>
        {
            CircuitsCli.RequireOne(result, clean, cleanIds);
            CircuitsCli.RequireOne(result, corrupted, corruptedIds);
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var session = await CircuitsCli.LoadAsync(parse.GetValue(model)!, parse.GetValue(saes) ?? [], parse.GetValue(db)!, parse.GetValue(processing), cancellationToken);
            var tokenizer = Gpt2Tokenizer.Load(session.Model.Directory!);
            var vocab = session.Model.Config.Vocab;
            var cleanTokens = CircuitsCli.Tokens(parse, clean, cleanIds, tokenizer);
            var corruptedTokens = CircuitsCli.Tokens(parse, corrupted, corruptedIds, tokenizer);
            var targetId = CircuitsCli.ParseToken(parse.GetValue(target)!, "--target", tokenizer, vocab);
            var distractorId = CircuitsCli.ParseToken(parse.GetValue(distractor)!, "--distractor", tokenizer, vocab);
            var how = parse.GetValue(method);
            if (how is not ("exact" or "attribution" or "both")) throw new UsageException($"--method must be exact, attribution or both, found '{how}'.");
            var estimate = how == "exact" ? null : ActivationPatching.Estimate(session.Model, cleanTokens, corruptedTokens, targetId, distractorId);
            var result = how == "attribution"
                ? estimate! with
                {
                    Features = session.Saes.Count == 0 ? [] : PatchingWork.Prepare(session.Model, cleanTokens, corruptedTokens, targetId, distractorId, session.Saes).FeatureEstimates,
                }
                : null;
            if (result is null)
            {
                var options = new PatchJobOptions
                {
                    Clean = cleanTokens, Corrupted = corruptedTokens, Target = targetId, Distractor = distractorId, CheckpointDirectory = parse.GetValue(checkpoints)!,
                };
                using var stop = StopSignal.Register(cancellationToken);
                try
                {
                    result = await ProgressDisplay.RunAsync("patch", progress => PatchJob.RunAsync(options, session.Model, session.Saes, progress, stop.Token));
                }
                catch (OperationCanceledException)
                {
                    Console.Error.WriteLine(JobsCli.StoppedMessage);
                    return ExitCodes.Cancelled;
                }
            }

            if (parse.GetValue(json))
            {
                GenerationCli.PrintJson(writer =>
                {
                    writer.WriteStartArray("tokens");
                    foreach (var s in CircuitsCli.TokenStrings(tokenizer, cleanTokens)) writer.WriteStringValue(s);
                    writer.WriteEndArray();
                    writer.WriteNumber("clean_metric", result.CleanMetric);
                    writer.WriteNumber("corrupted_metric", result.CorruptedMetric);
                    WriteGrid(writer, "resid_pre", result.ResidPre);
                    WriteGrid(writer, "attn_out", result.AttnOut);
                    WriteGrid(writer, "mlp_out", result.MlpOut);
                    WriteGrid(writer, "heads", result.Heads);
                    if (session.Saes.Count > 0)
                    {
                        writer.WriteStartArray("features");
                        foreach (var f in result.Features)
                        {
                            writer.WriteStartObject();
                            writer.WriteString("sae", f.Sae);
                            writer.WriteNumber("index", f.Index);
                            writer.WriteNumber("attribution", f.Attribution);
                            if (float.IsNaN(f.Patched)) writer.WriteNull("patched");
                            else writer.WriteNumber("patched", f.Patched);
                            writer.WriteEndObject();
                        }
                        writer.WriteEndArray();
                    }
                    if (how == "both")
                    {
                        writer.WriteStartObject("attribution");
                        WriteGrid(writer, "resid_pre", estimate!.ResidPre);
                        WriteGrid(writer, "attn_out", estimate.AttnOut);
                        WriteGrid(writer, "mlp_out", estimate.MlpOut);
                        WriteGrid(writer, "heads", estimate.Heads);
                        writer.WriteEndObject();
                        writer.WriteStartObject("correlation");
                        foreach (var (name, a, b) in Pairs(result, estimate))
                        {
                            var r = ActivationPatching.Correlation(a, b);
                            if (double.IsFinite(r)) writer.WriteNumber(name, r);
                            else writer.WriteNull(name);
                        }
                        writer.WriteEndObject();
                    }
                });
            }
            else
            {
                var inv = CultureInfo.InvariantCulture;
                Console.Out.WriteLine($"clean metric {result.CleanMetric.ToString("F4", inv)}, corrupted {result.CorruptedMetric.ToString("F4", inv)}; cells: clean = 1, corrupted = 0");
                foreach (var (name, grid) in new[] { ("resid_pre", result.ResidPre), ("attn_out", result.AttnOut), ("mlp_out", result.MlpOut), ("heads", result.Heads) })
                {
                    Console.Out.WriteLine(name + ":");
                    for (var l = 0; l < grid.Length; l++) Console.Out.WriteLine($"  layer {l,2}: {string.Join(" ", grid[l].Select(x => x.ToString("F2", inv).PadLeft(6)))}");
                }
                if (result.Features.Count > 0) Console.Out.WriteLine("features (attribution, patched):");
                foreach (var f in result.Features)
                {
                    Console.Out.WriteLine($"  {f.Sae} #{f.Index}: {f.Attribution.ToString("F3", inv)}, {(float.IsNaN(f.Patched) ? "-" : f.Patched.ToString("F3", inv))}");
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static (string, float[][], float[][])[] Pairs(PatchingResult exact, PatchingResult estimate) =>
    [
        ("resid_pre", exact.ResidPre, estimate.ResidPre), ("attn_out", exact.AttnOut, estimate.AttnOut),
        ("mlp_out", exact.MlpOut, estimate.MlpOut), ("heads", exact.Heads, estimate.Heads),
    ];

    private static void WriteGrid(Utf8JsonWriter writer, string name, float[][] grid)
    {
        writer.WriteStartArray(name);
        foreach (var row in grid)
        {
            writer.WriteStartArray();
            foreach (var x in row) writer.WriteNumberValue(x);
            writer.WriteEndArray();
        }
        writer.WriteEndArray();
    }
}
