using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas attribute</c>: why the model gives the target token (rather than the distractor) at the last position
/// (or --position). The --json shape is a contract: {"logit_diff", "components": [{"name", "value"}], "features":
/// [{"sae", "index", "activation", "direct", "act_times_grad"}]}, plus "tokens", "position", "target", "distractor",
/// "component_sum" and "sums_to_logit_diff" (within 1e-4), each component's "act_times_grad", and "sae_errors":
/// [{"sae", "direct", "act_times_grad"}]. "value" and "direct" are direct effects with ln_final's scale frozen;
/// "act_times_grad" is activation × gradient (components summed over positions; features at the position);
/// "direct" is null for an SAE with no direct path to the logits. Activations are in folded units. "exact_total"
/// (components and features) is the metric minus the metric with that node zero-ablated, measured for the 20 heads,
/// MLPs and features of largest |act_times_grad| (--exact-top), null for the rest. Each head's component also has
/// "by_source": [T], its direct effect split by source position.
/// </summary>
internal static class AttributeCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model("A Hugging Face GPT-2 folder, or the name of a model in the store (--db).");
        var prompt = CircuitsCli.Text("--prompt", "The prompt");
        var tokenIds = CircuitsCli.Ids("--token-ids", "The prompt");
        var target = CircuitsCli.Token("--target", "predicted", required: true);
        var distractor = CircuitsCli.Token("--distractor", "alternative");
        var position = new Option<int?>("--position") { Description = "The position whose next token is explained (default: the last)." };
        var exactTop = new Option<int>("--exact-top") { Description = "Heads, MLPs and features (largest |act × grad|) whose exact effect is measured by ablation.", DefaultValueFactory = _ => LogitAttribution.DefaultExactTop };
        var saes = new Option<string[]>("--sae") { Description = "An SAELens SAE folder or stored SAE name whose active features to attribute; repeatable." };
        var processing = CliOptions.Processing();
        var json = CliOptions.Json();
        var db = GenerationCli.Db();

        var command = new Command("attribute", "Why this token and not that one: direct effects of every component and SAE feature, and act × grad.")
        {
            model, prompt, tokenIds, target, distractor, position, saes, exactTop, processing, json, db,
        };
        command.Validators.Add(result => CircuitsCli.RequireOne(result, prompt, tokenIds));
        command.SetAction(async (parse, cancellationToken) =>
        {
            var session = await CircuitsCli.LoadAsync(parse.GetValue(model)!, parse.GetValue(saes) ?? [], parse.GetValue(db)!, parse.GetValue(processing), cancellationToken);
            var tokenizer = Gpt2Tokenizer.Load(session.Model.Directory!);
            var vocab = session.Model.Config.Vocab;
            var ids = CircuitsCli.Tokens(parse, prompt, tokenIds, tokenizer);
            var targetId = CircuitsCli.ParseToken(parse.GetValue(target)!, "--target", tokenizer, vocab);
            int? distractorId = parse.GetValue(distractor) is { } d ? CircuitsCli.ParseToken(d, "--distractor", tokenizer, vocab) : null;
            var p = parse.GetValue(position);
            if (p is { } chosen && (chosen < 0 || chosen >= ids.Length)) throw new ArgumentException($"--position {chosen} is outside the prompt's {ids.Length} tokens (0..{ids.Length - 1}).");
            var top = parse.GetValue(exactTop);
            if (top is < 0 or > 1000) throw new UsageException($"--exact-top must be 0 to 1000, found {top}.");
            var result = LogitAttribution.Explain(session.Model, session.Saes, ids, targetId, distractorId, p, top);
            var sums = Math.Abs(result.ComponentSum - result.LogitDiff) <= 1e-4 * Math.Max(1, Math.Abs(result.LogitDiff));

            if (parse.GetValue(json))
            {
                GenerationCli.PrintJson(writer =>
                {
                    writer.WriteStartArray("tokens");
                    foreach (var s in CircuitsCli.TokenStrings(tokenizer, ids)) writer.WriteStringValue(s);
                    writer.WriteEndArray();
                    writer.WriteNumber("position", result.Position);
                    WriteToken(writer, "target", targetId, tokenizer);
                    if (distractorId is { } o) WriteToken(writer, "distractor", o, tokenizer);
                    else writer.WriteNull("distractor");
                    writer.WriteNumber("logit_diff", result.LogitDiff);
                    writer.WriteNumber("component_sum", result.ComponentSum);
                    writer.WriteBoolean("sums_to_logit_diff", sums);
                    writer.WriteStartArray("components");
                    foreach (var c in result.Components)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("name", c.Name);
                        writer.WriteNumber("value", c.Direct);
                        writer.WriteNumber("act_times_grad", c.ActTimesGrad);
                        WriteOptional(writer, "exact_total", c.Exact);
                        if (c.BySource is { } parts)
                        {
                            writer.WriteStartArray("by_source");
                            foreach (var part in parts) writer.WriteNumberValue(part);
                            writer.WriteEndArray();
                        }
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                    writer.WriteStartArray("features");
                    foreach (var f in result.Features)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("sae", f.Sae);
                        writer.WriteNumber("index", f.Index);
                        writer.WriteNumber("activation", f.Activation);
                        WriteOptional(writer, "direct", f.Direct);
                        writer.WriteNumber("act_times_grad", f.ActTimesGrad);
                        WriteOptional(writer, "exact_total", f.Exact);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                    writer.WriteStartArray("sae_errors");
                    foreach (var e in result.SaeErrors)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("sae", e.Sae);
                        WriteOptional(writer, "direct", e.Direct);
                        writer.WriteNumber("act_times_grad", e.ActTimesGrad);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                });
            }
            else
            {
                var inv = CultureInfo.InvariantCulture;
                Console.Out.WriteLine($"logit diff {result.LogitDiff.ToString("F4", inv)} at position {result.Position}; components sum to {result.ComponentSum.ToString("F4", inv)}{(sums ? "" : " (NOT within 1e-4)")}");
                Console.Out.WriteLine("component            direct   act×grad");
                foreach (var c in result.Components.OrderByDescending(c => Math.Abs(c.Direct)))
                {
                    Console.Out.WriteLine($"{c.Name,-16} {c.Direct.ToString("F4", inv),10} {c.ActTimesGrad.ToString("F4", inv),10}");
                }
                foreach (var f in result.Features.OrderByDescending(f => Math.Abs(f.Direct ?? f.ActTimesGrad)).Take(20))
                {
                    Console.Out.WriteLine($"{f.Sae} #{f.Index}: activation {f.Activation.ToString("F3", inv)}, direct {f.Direct?.ToString("F4", inv) ?? "-"}, act×grad {f.ActTimesGrad.ToString("F4", inv)}");
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static void WriteToken(Utf8JsonWriter writer, string name, int id, Gpt2Tokenizer tokenizer)
    {
        writer.WriteStartObject(name);
        writer.WriteNumber("token_id", id);
        writer.WriteString("token", CircuitsCli.TokenStrings(tokenizer, [id])[0]);
        writer.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, float? value)
    {
        if (value is { } v) writer.WriteNumber(name, v);
        else writer.WriteNull(name);
    }
}
