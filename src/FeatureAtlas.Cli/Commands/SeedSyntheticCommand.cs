using System.CommandLine;
using System.Diagnostics;
using FeatureAtlas.Data;
using FeatureAtlas.Jobs;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas seed-synthetic</c>: a database of SYNTHETIC dashboards and explanations (model <c>synthetic-gpt2</c>) for
/// load tests such as <c>atlas-bench web</c>. Resumable: a rerun skips the SAEs already stored.
/// </summary>
internal static class SeedSyntheticCommand
{
    public static Command Create()
    {
        var db = StoreOptions.Db();
        var features = new Option<int>("--features") { Description = "Feature dashboards to create in all.", DefaultValueFactory = _ => 600_000 };
        var dSae = new Option<int>("--d-sae") { Description = "Features per SAE (the last SAE holds the remainder).", DefaultValueFactory = _ => 24_576 };
        var windows = new Option<int>("--windows") { Description = "Windows of 128 random tokens in the synthetic corpus.", DefaultValueFactory = _ => 32_768 };
        var seed = new Option<int>("--seed") { Description = "Seed of every random draw; the same seed gives the same database.", DefaultValueFactory = _ => 1 };
        var command = new Command("seed-synthetic",
            "Fill a database with SYNTHETIC, seeded random dashboards and explanations for load tests (model 'synthetic-gpt2', SAEs 'synthetic-…'); not real features.")
        {
            db, features, dSae, windows, seed,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var total = parse.GetValue(features);
            var width = parse.GetValue(dSae);
            var corpusWindows = parse.GetValue(windows);
            if (total <= 0 || width <= 0 || corpusWindows <= 0) throw new UsageException("--features, --d-sae and --windows must be positive.");
            using var stop = StopSignal.Register(cancellationToken);
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, stop.Token);
            var saes = SyntheticAtlas.Saes(total, width);
            AnsiConsole.MarkupLine($"Seeding [bold]SYNTHETIC[/] data: {total:N0} features in {saes.Count} SAEs of model {SyntheticAtlas.Model}, corpus {SyntheticAtlas.Corpus} ({corpusWindows:N0} windows).");
            var watch = Stopwatch.StartNew();
            try
            {
                var (written, skipped) = await ProgressDisplay.RunAsync("synthetic", progress =>
                    SyntheticAtlas.SeedAsync(store.Models, store.Dashboards, store.Corpora, store.Explanations, total, width, corpusWindows, parse.GetValue(seed), progress, stop.Token));
                AnsiConsole.MarkupLine($"Done in {watch.Elapsed.TotalSeconds:F1} s: {written} SAEs written, {skipped} already there; stored in {Markup.Escape(parse.GetValue(db)!)}.");
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("Stopped. Each finished SAE is stored: run the same command again to continue.");
                return ExitCodes.Cancelled;
            }
        });
        return command;
    }
}
