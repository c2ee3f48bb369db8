using System.CommandLine;
using System.Text.Json;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Tensors;
using FeatureAtlas.Core.Tokenization;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas run</c>: one text or token sequence through the model and SAEs. The --json shape is a contract:
/// {"tokens", "token_strings", "logits_last", "hooks": {name: nested TL shape without batch},
///  "saes": {folder name: {"hook", "acts": [T][d_sae]}}}.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model();
        var tokenIds = new Option<string?>("--token-ids") { Description = "Comma-separated token ids, used exactly as given (no BOS added)." };
        var text = new Option<string?>("--text") { Description = "Text to tokenize with GPT-2's tokenizer (BOS prepended)." };
        var noBos = new Option<bool>("--no-bos") { Description = "With --text, do not prepend <|endoftext|>." };
        var hooks = new Option<string[]>("--hook") { Description = "A TransformerLens hook point to print, e.g. blocks.0.hook_resid_pre; repeatable." };
        var saes = CliOptions.Saes();
        var processing = CliOptions.Processing();
        var json = CliOptions.Json();

        var command = new Command("run", "Run a GPT-2 model (and SAEs) on a text or token ids.") { model, tokenIds, text, noBos, hooks, saes, processing, json };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(tokenIds) is null) == (result.GetResult(text) is null)) result.AddError("Give exactly one of --token-ids or --text.");
        });
        command.SetAction(parse =>
        {
            var session = InferenceSession.Load(parse.GetValue(model)!, parse.GetValue(saes) ?? [], CliOptions.ParseProcessing(parse.GetValue(processing)));
            var tokenizer = Gpt2Tokenizer.Load(parse.GetValue(model)!);
            var ids = parse.GetValue(tokenIds) is { } idList
                ? CliOptions.ParseTokenIds(idList)
                : tokenizer.Encode(parse.GetValue(text)!, prependBos: !parse.GetValue(noBos));
            var hookNames = parse.GetValue(hooks) ?? [];
            foreach (var hook in hookNames)
            {
                if (!HookNames.TryParse(hook, session.Model.Config.Layers, out _, out _))
                {
                    throw new UsageException($"--hook '{hook}' is not a hook point of this {session.Model.Config.Layers}-layer model (e.g. blocks.0.hook_resid_pre).");
                }
            }

            var result = session.Run(ids, hookNames);
            var strings = TokenStrings(tokenizer, ids);
            if (parse.GetValue(json)) WriteJson(ids, strings, result, hookNames, session);
            else WriteHuman(ids, strings, result, hookNames, session, tokenizer);
            return ExitCodes.Success;
        });
        return command;
    }

    private static string[] TokenStrings(Gpt2Tokenizer tokenizer, int[] ids) =>
        ids.All(id => id < tokenizer.VocabSize) ? tokenizer.GetTokenStrings(ids) : ids.Select(id => id < tokenizer.VocabSize ? tokenizer.GetTokenStrings([id])[0] : $"<{id}>").ToArray();

    private static void WriteJson(int[] ids, string[] strings, InferenceResult result, string[] hooks, InferenceSession session)
    {
        // JSON has no Infinity or NaN: name the first tensor that went non-finite, in forward order, before writing
        // (an SAE's input first: ReLU may turn NaN into zeros that look like an answer).
        var order = HookNames.All(session.Model.Config.Layers).ToList();
        foreach (var hook in hooks.Concat(session.Saes.Select(s => s.HookName)).Distinct().OrderBy(order.IndexOf))
        {
            var tensor = result.Cache[hook];
            NonFiniteValuesException.ThrowIfAny(tensor.Data, tensor.Data.Length / ids.Length, hook);
        }
        foreach (var sae in session.Saes) NonFiniteValuesException.ThrowIfAny(result.Features[sae.Name].Data, sae.DSae, $"SAE '{sae.Name}' activations");
        NonFiniteValuesException.ThrowIfAny(result.LogitsLast!.Data, result.LogitsLast.Data.Length, "logits_last");

        // Through Console.Out (not the raw stdout stream) so hosts and tests that redirect the console see it.
        // Relaxed escaping: the output is read by scripts, not embedded in HTML, so "<|endoftext|>" stays readable.
        var buffer = new MemoryStream();
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        writer.WriteStartArray("tokens");
        foreach (var id in ids) writer.WriteNumberValue(id);
        writer.WriteEndArray();
        writer.WriteStartArray("token_strings");
        foreach (var s in strings) writer.WriteStringValue(s);
        writer.WriteEndArray();
        writer.WritePropertyName("logits_last");
        WriteNested(writer, result.LogitsLast!.Data, [result.LogitsLast.Shape[1]]);
        writer.WriteStartObject("hooks");
        foreach (var hook in hooks.Distinct())
        {
            var tensor = result.Cache[hook];
            writer.WritePropertyName(hook);
            WriteNested(writer, tensor.Data, tensor.Shape[1..]);   // drop the batch axis (one sequence)
        }
        writer.WriteEndObject();
        writer.WriteStartObject("saes");
        foreach (var sae in session.Saes)
        {
            writer.WriteStartObject(sae.Name);
            writer.WriteString("hook", sae.HookName);
            writer.WritePropertyName("acts");
            var acts = result.Features[sae.Name];
            WriteNested(writer, acts.Data, acts.Shape);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
        Console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>Writes a row-major buffer as nested JSON arrays of the given shape.</summary>
    private static void WriteNested(Utf8JsonWriter writer, ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        writer.WriteStartArray();
        if (shape.Length == 1)
        {
            foreach (var value in data) writer.WriteNumberValue(value);
        }
        else
        {
            var stride = data.Length / shape[0];
            for (var i = 0; i < shape[0]; i++) WriteNested(writer, data.Slice(i * stride, stride), shape[1..]);
        }
        writer.WriteEndArray();
    }

    private static void WriteHuman(int[] ids, string[] strings, InferenceResult result, string[] hooks, InferenceSession session, Gpt2Tokenizer tokenizer)
    {
        var model = session.Model;
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(model.Name)}[/]: {model.Config.Layers} layers, d_model {model.Config.DModel}, processing {model.Processing}");
        var tokens = new Table().AddColumns("pos", "id", "token");
        for (var i = 0; i < ids.Length; i++) tokens.AddRow(i.ToString(), ids[i].ToString(), Markup.Escape(Visible(strings[i])));
        AnsiConsole.Write(tokens);

        var logits = result.LogitsLast!.Data;
        var max = logits.Max();
        var sum = logits.Sum(l => Math.Exp(l - max));
        var next = new Table().Title("next-token predictions").AddColumns("token", "id", "probability", "logit");
        foreach (var id in Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).Take(10))
        {
            var token = id < tokenizer.VocabSize ? tokenizer.GetTokenStrings([id])[0] : $"<{id}>";
            next.AddRow(Markup.Escape(Visible(token)), id.ToString(), $"{Math.Exp(logits[id] - max) / sum:P2}", $"{logits[id]:F3}");
        }
        AnsiConsole.Write(next);

        foreach (var hook in hooks.Distinct())
        {
            var tensor = result.Cache[hook];
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(hook)}[/] {Markup.Escape(tensor.ShapeString)}  last-token L2 norm {LastRowNorm(tensor):F4}");
        }
        foreach (var sae in session.Saes)
        {
            var acts = result.Features[sae.Name];
            var table = new Table().Title($"{Markup.Escape(sae.Name)} on {Markup.Escape(sae.HookName)}: top features").AddColumns("pos", "token", "L0", "top features (index: activation)");
            for (var t = 0; t < ids.Length; t++)
            {
                var row = acts.Row(t);
                var l0 = 0;
                foreach (var v in row) if (v > 0) l0++;
                var top = Enumerable.Range(0, row.Length).Where(i => acts.Data[t * sae.DSae + i] > 0)
                    .OrderByDescending(i => acts.Data[t * sae.DSae + i]).Take(5).Select(i => $"{i}: {acts.Data[t * sae.DSae + i]:F3}");
                table.AddRow(t.ToString(), Markup.Escape(Visible(strings[t])), l0.ToString(), string.Join("  ", top));
            }
            AnsiConsole.Write(table);
        }
    }

    private static float LastRowNorm(Tensor tensor)
    {
        var row = tensor.Data.AsSpan(tensor.Length - tensor.Shape[^1]);
        return System.Numerics.Tensors.TensorPrimitives.Norm(row);
    }

    private static string Visible(string token) => token.Replace("\n", "\\n").Replace("\t", "\\t");
}
