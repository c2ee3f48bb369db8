using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas ablate</c>: set SAE features to zero or a value at chosen positions (each SAE's error term kept) and
/// compare the next-token distribution at the last position (or --position) before and after. --feature
/// SAE:INDEX[:VALUE][@P,Q] names an SAE given with --sae by its folder name; VALUE is in the dashboards' (folded)
/// units, absent for zero; positions absent for all. The --json shape, as <c>POST /api/ablate</c> answers: {"tokens",
/// "position", "target", "distractor", "metric_before", "metric_after", "metric_change", "target_prob_before",
/// "target_prob_after", "kl", "top_before": [{"token_id", "token", "before", "after"}], "top_after": [same],
/// "features": [{"sae", "index", "position", "found", "set"}]}; the metric is logit(target) − logit(distractor) (or
/// logit(target)), null without --target.
/// </summary>
internal static class AblateCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model("A Hugging Face GPT-2 folder, or the name of a model in the store (--db).");
        var prompt = CircuitsCli.Text("--prompt", "The prompt");
        var tokenIds = CircuitsCli.Ids("--token-ids", "The prompt");
        var features = new Option<string[]>("--feature") { Description = "SAE:INDEX[:VALUE][@P,Q,...]: a feature of an --sae (by folder name) set to VALUE (default 0) at positions P, Q (default all); repeatable.", Required = true };
        var saes = new Option<string[]>("--sae") { Description = "An SAELens SAE folder or stored SAE name whose features --feature edits; repeatable.", Required = true };
        var target = CircuitsCli.Token("--target", "predicted");
        var distractor = CircuitsCli.Token("--distractor", "alternative");
        var position = new Option<int?>("--position") { Description = "The position whose next-token distribution is compared (default: the last)." };
        var top = new Option<int>("--top") { Description = $"Tokens listed before and after (1..{LogitLens.MaxTop}).", DefaultValueFactory = _ => 10 };
        var processing = CliOptions.Processing();
        var json = CliOptions.Json();
        var db = GenerationCli.Db();

        var command = new Command("ablate", "Feature ablation and clamping: SAE features set to zero or a value, next-token distribution before and after.")
        {
            model, prompt, tokenIds, features, saes, target, distractor, position, top, processing, json, db,
        };
        command.Validators.Add(result => CircuitsCli.RequireOne(result, prompt, tokenIds));
        command.SetAction(async (parse, cancellationToken) =>
        {
            var n = parse.GetValue(top);
            if (n is < 1 or > LogitLens.MaxTop) throw new UsageException($"--top must be between 1 and {LogitLens.MaxTop}, found {n}.");
            var edits = parse.GetValue(features)!.Select(spec =>
            {
                try
                {
                    return FeatureEdit.Parse(spec);
                }
                catch (ArgumentException e)
                {
                    throw new UsageException($"--feature: {e.Message}");
                }
            }).ToArray();
            var session = await CircuitsCli.LoadAsync(parse.GetValue(model)!, parse.GetValue(saes) ?? [], parse.GetValue(db)!, parse.GetValue(processing), cancellationToken);
            var tokenizer = Gpt2Tokenizer.Load(session.Model.Directory!);
            var vocab = session.Model.Config.Vocab;
            var ids = CircuitsCli.Tokens(parse, prompt, tokenIds, tokenizer);
            int? targetId = parse.GetValue(target) is { } t ? CircuitsCli.ParseToken(t, "--target", tokenizer, vocab) : null;
            int? distractorId = parse.GetValue(distractor) is { } d ? CircuitsCli.ParseToken(d, "--distractor", tokenizer, vocab) : null;
            if (distractorId is not null && targetId is null) throw new UsageException("--distractor needs --target.");
            var p = parse.GetValue(position);
            if (p is { } chosen && (chosen < 0 || chosen >= ids.Length)) throw new ArgumentException($"--position {chosen} is outside the prompt's {ids.Length} tokens (0..{ids.Length - 1}).");
            var known = session.Saes.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var edit in edits)
            {
                if (!known.Contains(edit.Sae)) throw new ArgumentException($"--feature names SAE '{edit.Sae}', which is not among the --sae given ({string.Join(", ", known)}).");
            }
            var result = FeatureAblation.Run(session.Model, session.Saes, ids, edits, targetId, distractorId, p, n);
            string Name(int id) => CircuitsCli.TokenStrings(tokenizer, [id])[0];

            if (parse.GetValue(json))
            {
                GenerationCli.PrintJson(writer =>
                {
                    writer.WriteStartArray("tokens");
                    foreach (var s in CircuitsCli.TokenStrings(tokenizer, ids)) writer.WriteStringValue(s);
                    writer.WriteEndArray();
                    writer.WriteNumber("position", result.Position);
                    WriteToken(writer, "target", targetId, Name);
                    WriteToken(writer, "distractor", distractorId, Name);
                    WriteOptional(writer, "metric_before", result.MetricBefore);
                    WriteOptional(writer, "metric_after", result.MetricAfter);
                    WriteOptional(writer, "metric_change", result.MetricChange);
                    WriteOptional(writer, "target_prob_before", result.Target?.Before);
                    WriteOptional(writer, "target_prob_after", result.Target?.After);
                    writer.WriteNumber("kl", result.Kl);
                    WriteChanges(writer, "top_before", result.TopBefore, Name);
                    WriteChanges(writer, "top_after", result.TopAfter, Name);
                    writer.WriteStartArray("features");
                    foreach (var f in result.Features)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("sae", f.Sae);
                        writer.WriteNumber("index", f.Index);
                        writer.WriteNumber("position", f.Position);
                        writer.WriteNumber("found", f.Found);
                        writer.WriteNumber("set", f.Set);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                });
            }
            else
            {
                var inv = CultureInfo.InvariantCulture;
                Console.Out.WriteLine($"after '{CircuitsCli.Visible(Name(ids[result.Position]))}' (position {result.Position}): KL(before || after) = {result.Kl.ToString("F5", inv)} nats");
                if (result.MetricBefore is { } before && result.MetricAfter is { } after)
                {
                    Console.Out.WriteLine($"metric {before.ToString("F4", inv)} -> {after.ToString("F4", inv)} (change {(after - before).ToString("+0.0000;-0.0000", inv)})");
                }
                Console.Out.WriteLine("top before             before      after");
                foreach (var c in result.TopBefore) Console.Out.WriteLine($"{CircuitsCli.Visible(Name(c.TokenId)),-20} {c.Before.ToString("F4", inv),8} {c.After.ToString("F4", inv),10}");
                Console.Out.WriteLine("top after              before      after");
                foreach (var c in result.TopAfter) Console.Out.WriteLine($"{CircuitsCli.Visible(Name(c.TokenId)),-20} {c.Before.ToString("F4", inv),8} {c.After.ToString("F4", inv),10}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static void WriteToken(Utf8JsonWriter writer, string name, int? id, Func<int, string> spell)
    {
        if (id is not { } value)
        {
            writer.WriteNull(name);
            return;
        }
        writer.WriteStartObject(name);
        writer.WriteNumber("token_id", value);
        writer.WriteString("token", spell(value));
        writer.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, float? value)
    {
        if (value is { } v) writer.WriteNumber(name, v);
        else writer.WriteNull(name);
    }

    private static void WriteChanges(Utf8JsonWriter writer, string name, IReadOnlyList<TokenChange> changes, Func<int, string> spell)
    {
        writer.WriteStartArray(name);
        foreach (var c in changes)
        {
            writer.WriteStartObject();
            writer.WriteNumber("token_id", c.TokenId);
            writer.WriteString("token", spell(c.TokenId));
            writer.WriteNumber("before", c.Before);
            writer.WriteNumber("after", c.After);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
