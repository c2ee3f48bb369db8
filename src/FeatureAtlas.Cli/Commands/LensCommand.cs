using System.CommandLine;
using System.Globalization;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas lens</c>: the logit lens of one prompt, or with <c>--lens tuned</c> the tuned lens stored beside the model
/// (<c>atlas train-lens</c>). The --json shape is a contract: {"lens": "logit"|"tuned", "tokens": [str], "layers":
/// [{"layer": l, "top": [T][N] of {"token_id", "token", "prob"}}]}, one entry per layer's hook_resid_post in layer
/// order; the last equals the model's own output.
/// </summary>
internal static class LensCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model("A Hugging Face GPT-2 folder, or the name of a model in the store (--db).");
        var prompt = CircuitsCli.Text("--prompt", "The prompt");
        var tokenIds = CircuitsCli.Ids("--token-ids", "The prompt");
        var top = new Option<int>("--top") { Description = $"Tokens shown per layer and position (1..{LogitLens.MaxTop}).", DefaultValueFactory = _ => 5 };
        var lens = new Option<string>("--lens") { Description = "logit (ln_final and W_U on each layer's residual) or tuned (each layer's translator first; see `atlas train-lens`).", DefaultValueFactory = _ => "logit" };
        lens.AcceptOnlyFromAmong("logit", "tuned");
        var processing = CliOptions.Processing();
        var json = CliOptions.Json();
        var db = GenerationCli.Db();

        var command = new Command("lens", "Logit or tuned lens: each layer's residual stream read out through ln_final and the unembedding.") { model, prompt, tokenIds, top, lens, processing, json, db };
        command.Validators.Add(result => CircuitsCli.RequireOne(result, prompt, tokenIds));
        command.SetAction(async (parse, cancellationToken) =>
        {
            var n = parse.GetValue(top);
            if (n is < 1 or > LogitLens.MaxTop) throw new UsageException($"--top must be between 1 and {LogitLens.MaxTop}, found {n}.");
            var session = await CircuitsCli.LoadAsync(parse.GetValue(model)!, [], parse.GetValue(db)!, parse.GetValue(processing), cancellationToken);
            var tokenizer = Gpt2Tokenizer.Load(session.Model.Directory!);
            var ids = CircuitsCli.Tokens(parse, prompt, tokenIds, tokenizer);
            var kind = parse.GetValue(lens)!;
            var tuned = kind == "tuned" ? LoadTunedLens(session.Model) : null;
            var layers = LogitLens.Run(session.Model, ids, n, tuned);
            var strings = CircuitsCli.TokenStrings(tokenizer, ids);
            var names = new Dictionary<int, string>();
            string Name(int id) => names.TryGetValue(id, out var s) ? s : names[id] = CircuitsCli.TokenStrings(tokenizer, [id])[0];

            if (parse.GetValue(json))
            {
                GenerationCli.PrintJson(writer =>
                {
                    writer.WriteString("lens", kind);
                    writer.WriteStartArray("tokens");
                    foreach (var s in strings) writer.WriteStringValue(s);
                    writer.WriteEndArray();
                    writer.WriteStartArray("layers");
                    foreach (var layer in layers)
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("layer", layer.Layer);
                        writer.WriteStartArray("top");
                        foreach (var row in layer.Top)
                        {
                            writer.WriteStartArray();
                            foreach (var entry in row)
                            {
                                writer.WriteStartObject();
                                writer.WriteNumber("token_id", entry.TokenId);
                                writer.WriteString("token", Name(entry.TokenId));
                                writer.WriteNumber("prob", entry.Prob);
                                writer.WriteEndObject();
                            }
                            writer.WriteEndArray();
                        }
                        writer.WriteEndArray();
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                });
            }
            else
            {
                for (var t = 0; t < ids.Length; t++)
                {
                    Console.Out.WriteLine($"position {t} '{CircuitsCli.Visible(strings[t])}':");
                    foreach (var layer in layers)
                    {
                        var tops = layer.Top[t].Select(e => $"'{CircuitsCli.Visible(Name(e.TokenId))}' {e.Prob.ToString("P1", CultureInfo.InvariantCulture)}");
                        Console.Out.WriteLine($"  layer {layer.Layer,2}: {string.Join("  ", tops)}");
                    }
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The tuned lens in the model folder's tuned_lens/, or an error saying how to make one.</summary>
    private static TunedLens LoadTunedLens(FeatureAtlas.Core.Model.Gpt2Model model) =>
        TunedLens.LoadBeside(model.Directory, model.Config)
        ?? throw new FileNotFoundException($"Model folder '{model.Directory}' has no tuned lens ({TunedLens.FolderName}/{TunedLens.ParamsFile}); fit one with `atlas train-lens --model {model.Name} --corpus C`.");
}
