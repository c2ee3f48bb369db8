using System.CommandLine;
using System.Text.Json;
using FeatureAtlas.Core.Generation;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Data;

namespace FeatureAtlas.Cli.Commands;

/// <summary>The options and output that <c>atlas generate</c> and <c>atlas steer</c> share.</summary>
internal static class GenerationCli
{
    public static Option<string?> Prompt() => new("--prompt") { Description = "Text to continue, tokenized with GPT-2's tokenizer (BOS prepended)." };

    public static Option<string?> TokenIds() => new("--token-ids") { Description = "Comma-separated token ids to continue, used exactly as given (no BOS added)." };

    public static Option<int> NewTokens() => new("--n-tokens") { Description = "Tokens to generate.", DefaultValueFactory = _ => 32 };

    public static Option<float> Temperature() => new("--temperature") { Description = "0 = greedy; higher samples more freely.", DefaultValueFactory = _ => 0f };

    public static Option<ulong> Seed() => new("--seed") { Description = "Seed of the sampling draws (same seed, same text on any machine and thread count).", DefaultValueFactory = _ => 16 };

    public static Option<int> TopK() => new("--top-k") { Description = "Sample among the k most likely tokens only (0 = off).", DefaultValueFactory = _ => 0 };

    public static Option<float> TopP() => new("--top-p") { Description = "Nucleus sampling mass (1 = off).", DefaultValueFactory = _ => 1f };

    public static Option<float> FrequencyPenalty() => new("--freq-penalty") { Description = "OpenAI-style frequency penalty (−2..2).", DefaultValueFactory = _ => 0f };

    public static Option<int> TopLogprobs() => new("--top-logprobs") { Description = "Alternatives reported per token (0..20).", DefaultValueFactory = _ => 5 };

    public static Option<string> Db() => StoreOptions.Db();

    public static void RequireOnePrompt(System.CommandLine.Parsing.CommandResult result, Option<string?> prompt, Option<string?> tokenIds)
    {
        if ((result.GetResult(prompt) is null) == (result.GetResult(tokenIds) is null)) result.AddError("Give exactly one of --prompt or --token-ids.");
    }

    public static GenerationOptions Options(ParseResult parse, Option<int> newTokens, Option<float> temperature, Option<ulong> seed, Option<int> topK,
        Option<float> topP, Option<float> penalty, Option<int> topLogprobs) => new()
    {
        NewTokens = parse.GetValue(newTokens),
        Temperature = parse.GetValue(temperature),
        Seed = parse.GetValue(seed),
        TopK = parse.GetValue(topK),
        TopP = parse.GetValue(topP),
        FrequencyPenalty = parse.GetValue(penalty),
        TopLogprobs = parse.GetValue(topLogprobs),
    };

    /// <summary>A model folder, or a model name looked up in the store (--db) only when no such folder exists.</summary>
    public static async Task<(string Directory, string Name)> ResolveModelAsync(string model, string db, CancellationToken cancellationToken)
    {
        if (Directory.Exists(model)) return (model, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(model))));
        RequireStore(db, $"--model: '{model}' is not a folder");
        var store = await AtlasDatabase.OpenAsync(db, cancellationToken);
        var (directory, name) = await EvalCommand.ResolveModel(store.Models, model, cancellationToken);
        return (directory, name ?? model);
    }

    /// <summary>An SAE folder, or an SAE name of <paramref name="modelName"/> looked up in the store.</summary>
    public static async Task<string> ResolveSaeAsync(string sae, string modelName, string db, CancellationToken cancellationToken)
    {
        if (Directory.Exists(sae)) return sae;
        RequireStore(db, $"--sae: '{sae}' is not a folder");
        var store = await AtlasDatabase.OpenAsync(db, cancellationToken);
        return await EvalCommand.ResolveSae(store.Models, modelName, sae, cancellationToken);
    }

    /// <summary>A name is looked up in the store only when the store exists: opening a missing SQLite file would create it.</summary>
    private static void RequireStore(string db, string what)
    {
        if (!db.Contains('=', StringComparison.Ordinal) && !File.Exists(db))
        {
            throw new DirectoryNotFoundException($"{what}, and there is no store '{db}' to look the name up in (pass a folder, or --db).");
        }
    }

    public static int[] PromptTokens(ParseResult parse, Option<string?> prompt, Option<string?> tokenIds, Gpt2Tokenizer tokenizer) =>
        parse.GetValue(tokenIds) is { } ids ? CliOptions.ParseTokenIds(ids) : tokenizer.Encode(parse.GetValue(prompt)!, prependBos: true);

    public static string Text(Gpt2Tokenizer tokenizer, IReadOnlyList<int> ids) =>
        ids.All(id => id < tokenizer.VocabSize) ? tokenizer.Decode(ids.ToArray()) : string.Concat(ids.Select(id => id < tokenizer.VocabSize ? tokenizer.Decode([id]) : $"<{id}>"));

    /// <summary>{"tokens": [ids], "text", "logprobs": [{"token", "logprob", "top": [{"token", "logprob"}]}]}; token ids, natural-log probabilities.</summary>
    public static void WriteSequence(Utf8JsonWriter writer, GenerationResult result, Gpt2Tokenizer tokenizer)
    {
        writer.WriteStartObject();
        WriteSequenceFields(writer, result, tokenizer);
        writer.WriteEndObject();
    }

    /// <summary>The fields of <see cref="WriteSequence"/> into the object being written.</summary>
    public static void WriteSequenceFields(Utf8JsonWriter writer, GenerationResult result, Gpt2Tokenizer tokenizer)
    {
        writer.WriteStartArray("tokens");
        foreach (var token in result.Tokens) writer.WriteNumberValue(token.Token);
        writer.WriteEndArray();
        writer.WriteString("text", Text(tokenizer, result.TokenIds));
        writer.WriteStartArray("logprobs");
        foreach (var token in result.Tokens)
        {
            writer.WriteStartObject();
            writer.WriteNumber("token", token.Token);
            WriteLogprob(writer, token.Logprob);
            writer.WriteStartArray("top");
            foreach (var choice in token.Top)
            {
                writer.WriteStartObject();
                writer.WriteNumber("token", choice.Token);
                WriteLogprob(writer, choice.Logprob);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>Writes one JSON object through Console.Out (so redirected consoles see it), with relaxed escaping for scripts.</summary>
    public static void PrintJson(Action<Utf8JsonWriter> body)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        Console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    public static void WriteIds(Utf8JsonWriter writer, string name, IReadOnlyList<int> ids)
    {
        writer.WriteStartArray(name);
        foreach (var id in ids) writer.WriteNumberValue(id);
        writer.WriteEndArray();
    }

    // −∞ (a token the model rules out) has no JSON number; null says so.
    private static void WriteLogprob(Utf8JsonWriter writer, float logprob)
    {
        if (float.IsFinite(logprob)) writer.WriteNumber("logprob", logprob);
        else writer.WriteNull("logprob");
    }
}
