using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using FeatureAtlas.Core.Circuits;
using FeatureAtlas.Core.Pipelines;
using FeatureAtlas.Core.Tokenization;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// What <c>atlas lens</c>, <c>atlas attribute</c> and <c>atlas patch</c> share: a prompt as TEXT (BOS prepended, as
/// in <c>atlas run</c>) or as ids used exactly as given, a model and SAEs by folder or stored name, and TOKEN
/// arguments: a string that encodes to exactly one token, or <c>#ID</c>.
/// </summary>
internal static class CircuitsCli
{
    public static Option<string?> Text(string name, string what) => new(name) { Description = $"{what}, tokenized with GPT-2's tokenizer (BOS prepended)." };

    public static Option<string?> Ids(string name, string what) => new(name) { Description = $"{what} as comma-separated token ids, used exactly as given (no BOS added)." };

    public static Option<string?> Token(string name, string what, bool required = false) =>
        new(name) { Description = $"The {what} token: a string that encodes to exactly one token, or #ID.", Required = required };

    public static void RequireOne(CommandResult result, Option<string?> text, Option<string?> ids)
    {
        if ((result.GetResult(text) is null) == (result.GetResult(ids) is null)) result.AddError($"Give exactly one of {text.Name} or {ids.Name}.");
    }

    public static int[] Tokens(ParseResult parse, Option<string?> text, Option<string?> ids, Gpt2Tokenizer tokenizer)
    {
        if (parse.GetValue(ids) is { } list)
        {
            try
            {
                return CliOptions.ParseTokenIds(list);
            }
            catch (UsageException e)
            {
                throw new UsageException(e.Message.Replace("--token-ids", ids.Name, StringComparison.Ordinal));
            }
        }
        return tokenizer.Encode(parse.GetValue(text)!, prependBos: true);
    }

    /// <summary>"#262" or a string that encodes to one token; anything else names what it encodes to.</summary>
    public static int ParseToken(string value, string option, Gpt2Tokenizer tokenizer, int vocab)
    {
        if (value.StartsWith('#') && value.Length > 1 && !int.TryParse(value.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw new UsageException($"{option} '{value}': after # give a token id such as #262.");
        }
        return CircuitTokens.Parse(value, option, tokenizer, vocab);
    }

    public static async Task<InferenceSession> LoadAsync(string model, IReadOnlyList<string> saes, string db, string? processing, CancellationToken cancellationToken)
    {
        var (directory, name) = await GenerationCli.ResolveModelAsync(model, db, cancellationToken);
        var folders = new List<string>();
        foreach (var sae in saes) folders.Add(await GenerationCli.ResolveSaeAsync(sae, name, db, cancellationToken));
        return InferenceSession.Load(directory, folders, CliOptions.ParseProcessing(processing));
    }

    public static string[] TokenStrings(Gpt2Tokenizer tokenizer, IReadOnlyList<int> ids) =>
        ids.Select(id => id < tokenizer.VocabSize ? tokenizer.GetTokenStrings([id])[0] : $"<{id}>").ToArray();

    public static string Visible(string token) => token.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
}
