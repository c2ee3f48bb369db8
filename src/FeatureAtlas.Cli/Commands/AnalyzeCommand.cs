using System.CommandLine;
using System.Text.Json;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Data;
using FeatureAtlas.Jobs;
using FeatureAtlas.Jobs.Queue;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas analyze</c>: token-set enrichment of every feature's logits, the prefix test and the induction test, stored
/// with the SAE's dashboards (resumable: rerun to continue), and the SAE summary ("N features predict first names").
/// </summary>
internal static class AnalyzeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model's name in the store.", Required = true };
        var sae = new Option<string>("--sae") { Description = "The SAE's name in the store.", Required = true };
        var wordLists = new Option<string?>("--word-lists")
        {
            Description = "A node_modules folder with the word lists of data/wordlists/package.json (npm ci --prefix data/wordlists); without it those token sets are skipped with a note.",
        };
        var prefixExamples = new Option<int>("--prefix-examples") { Description = "Top examples per feature rerun by the prefix test (0: none).", DefaultValueFactory = _ => 5 };
        var induction = new Option<int>("--induction-sequences") { Description = "Random repeated sequences of the induction test (0: none).", DefaultValueFactory = _ => 8 };
        var checkpoints = new Option<string>("--checkpoint-dir") { Description = "Where the checkpoint lives.", DefaultValueFactory = _ => Path.Combine(".atlas", "checkpoints") };
        var json = CliOptions.Json();
        var enqueue = JobsCli.EnqueueOption();
        var db = StoreOptions.Db();
        var command = new Command("analyze", "Token-set enrichment, prefix and induction tests for an SAE's stored dashboards (resumable: rerun to continue).")
        {
            model, sae, wordLists, prefixExamples, induction, checkpoints, json, enqueue, db,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var lists = parse.GetValue(wordLists);
            if (lists is not null && !Directory.Exists(lists)) throw new UsageException($"--word-lists: no folder '{lists}'.");
            if (parse.GetValue(prefixExamples) < 0 || parse.GetValue(induction) < 0) throw new UsageException("--prefix-examples and --induction-sequences must be 0 or more.");
            var options = new FeatureAnalysisJobOptions
            {
                Model = parse.GetValue(model)!, Sae = parse.GetValue(sae)!, WordLists = lists is null ? null : Path.GetFullPath(lists),
                PrefixExamples = parse.GetValue(prefixExamples), InductionSequences = parse.GetValue(induction), CheckpointDirectory = Path.GetFullPath(parse.GetValue(checkpoints)!),
            };
            if (parse.GetValue(enqueue))
            {
                var queued = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, cancellationToken);
                return await JobsCli.EnqueueWholeAsync(queued, WholeJobs.Analysis, options, $"analysis of {options.Model}/{options.Sae}", cancellationToken);
            }
            using var stop = StopSignal.Register(cancellationToken);
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, stop.Token);
            return await JobsCli.RunCheckpointedAsync(async () =>
            {
                var result = await ProgressDisplay.RunAsync("analyze", progress => JobsCli.RunLocalAsync(store, WholeJobs.Analysis, $"analysis of {options.Model}/{options.Sae}", options,
                    (p, ct) => FeatureAnalysisJob.RunAsync(options, store.Corpora, store.Models, store.Dashboards, store.Analyses, p, ct), progress, stop.Token));
                Report(result, parse.GetValue(json));
            });
        });
        return command;
    }

    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static void Report(SaeAnalysisSummary summary, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(summary, SnakeCase));
            return;
        }
        AnsiConsole.MarkupLine($"[bold]{summary.Features:N0}[/] features analysed.");
        foreach (var s in summary.Sets.Where(s => s.PredictingFeatures > 0).OrderByDescending(s => s.PredictingFeatures))
        {
            AnsiConsole.MarkupLine($"  {s.PredictingFeatures:N0} features predict {Markup.Escape(s.Name)} ({s.Members:N0} tokens)");
        }
        if (summary.InductionFeatures is { } induction) AnsiConsole.MarkupLine($"  {induction:N0} features fire on the second copy of a repeated random sequence and not the first");
        foreach (var note in summary.Notes) AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(note)}[/]");
    }
}
