using System.CommandLine;
using System.Globalization;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas attention</c>: every head's attention pattern on one prompt. The --json shape:
/// {"tokens": [str], "layers": [{"layer": l, "heads": [H][T][T]}]} with heads[h][destination][source] (zero for sources
/// after the destination). With <c>--sae</c> (an SAE on attn.hook_z) and <c>--feature</c>, "dfa": {"sae", "feature",
/// "target_index", "activation", "values": [T]}: the feature's direct attribution to each source position at its
/// largest activation (or at --position).
/// </summary>
internal static class AttentionCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model("A Hugging Face GPT-2 folder, or the name of a model in the store (--db).");
        var prompt = CircuitsCli.Text("--prompt", "The prompt");
        var tokenIds = CircuitsCli.Ids("--token-ids", "The prompt");
        var sae = new Option<string?>("--sae") { Description = "An SAE on attn.hook_z (folder or stored name) for --feature's DFA." };
        var feature = new Option<int?>("--feature") { Description = "The hook_z SAE feature whose direct feature attribution to source positions to add." };
        var position = new Option<int?>("--position") { Description = "The destination position of the DFA (default: where the feature is largest)." };
        var processing = CliOptions.Processing();
        var json = CliOptions.Json();
        var db = GenerationCli.Db();

        var command = new Command("attention", "Attention patterns per layer and head, and a hook_z feature's attribution to source positions.")
        {
            model, prompt, tokenIds, sae, feature, position, processing, json, db,
        };
        command.Validators.Add(result =>
        {
            CircuitsCli.RequireOne(result, prompt, tokenIds);
            if ((result.GetResult(sae) is null) != (result.GetResult(feature) is null)) result.AddError("Give --sae and --feature together.");
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var saeName = parse.GetValue(sae);
            var session = await CircuitsCli.LoadAsync(parse.GetValue(model)!, saeName is null ? [] : [saeName], parse.GetValue(db)!, parse.GetValue(processing), cancellationToken);
            var tokenizer = Gpt2Tokenizer.Load(session.Model.Directory!);
            var ids = CircuitsCli.Tokens(parse, prompt, tokenIds, tokenizer);
            var patterns = AttentionPatterns.Run(session.Model, ids);
            var dfa = saeName is null ? null : AttentionPatterns.Dfa(session.Model, session.Saes[0], ids, parse.GetValue(feature)!.Value, parse.GetValue(position));
            var strings = CircuitsCli.TokenStrings(tokenizer, ids);
            if (parse.GetValue(json))
            {
                GenerationCli.PrintJson(writer =>
                {
                    writer.WriteStartArray("tokens");
                    foreach (var s in strings) writer.WriteStringValue(s);
                    writer.WriteEndArray();
                    writer.WriteStartArray("layers");
                    for (var l = 0; l < patterns.Length; l++)
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("layer", l);
                        writer.WriteStartArray("heads");
                        foreach (var head in patterns[l])
                        {
                            writer.WriteStartArray();
                            foreach (var row in head)
                            {
                                writer.WriteStartArray();
                                foreach (var p in row) writer.WriteNumberValue(p);
                                writer.WriteEndArray();
                            }
                            writer.WriteEndArray();
                        }
                        writer.WriteEndArray();
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                    if (dfa is not null)
                    {
                        writer.WriteStartObject("dfa");
                        writer.WriteString("sae", session.Saes[0].Name);
                        writer.WriteNumber("feature", parse.GetValue(feature)!.Value);
                        writer.WriteNumber("target_index", dfa.TargetIndex);
                        writer.WriteNumber("activation", dfa.Activation);
                        writer.WriteStartArray("values");
                        foreach (var v in dfa.Values) writer.WriteNumberValue(v);
                        writer.WriteEndArray();
                        writer.WriteEndObject();
                    }
                });
            }
            else
            {
                var inv = CultureInfo.InvariantCulture;
                for (var l = 0; l < patterns.Length; l++)
                {
                    for (var h = 0; h < patterns[l].Length; h++)
                    {
                        // Each head in one line: every destination's most-attended source.
                        var tops = patterns[l][h].Select((row, q) => $"{q}->{Array.IndexOf(row, row.Max())}");
                        Console.Out.WriteLine($"L{l}H{h}: {string.Join(" ", tops)}");
                    }
                }
                if (dfa is not null)
                {
                    Console.Out.WriteLine($"DFA of {session.Saes[0].Name} #{parse.GetValue(feature)} at position {dfa.TargetIndex} '{CircuitsCli.Visible(strings[dfa.TargetIndex])}' (activation {dfa.Activation.ToString("F3", inv)}):");
                    for (var s = 0; s <= dfa.TargetIndex; s++) Console.Out.WriteLine($"  {s,3} '{CircuitsCli.Visible(strings[s])}': {dfa.Values[s].ToString("F4", inv)}");
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
