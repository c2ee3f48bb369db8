using System.CommandLine;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Umap;
using FeatureAtlas.Data;
using FeatureAtlas.Jobs;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas umap --model M --sae S [--seed 0]</c>: the SAE's feature map (UMAP of its decoder directions) into the
/// store, as a resumable job: Ctrl+C checkpoints, and the same command continues.
/// </summary>
internal static class UmapCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model's name in the store.", Required = true };
        var sae = new Option<string>("--sae") { Description = "The SAE's name in the store (its weights folder must be on this machine).", Required = true };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 0, Description = "UMAP seed; the map is the same for a seed on any thread count." };
        var neighbors = new Option<int>("--neighbors") { DefaultValueFactory = _ => 15, Description = "n_neighbors (self included, as umap-learn)." };
        var minDist = new Option<float>("--min-dist") { DefaultValueFactory = _ => 0.1f, Description = "min_dist." };
        var epochs = new Option<int?>("--epochs") { Description = "n_epochs (default: 200 above 10,000 features, else 500)." };
        var checkpoints = new Option<string>("--checkpoint-dir") { Description = "Where the checkpoint lives.", DefaultValueFactory = _ => Path.Combine(".atlas", "checkpoints") };
        var json = CliOptions.Json();
        var db = StoreOptions.Db();
        var command = new Command("umap", "Map an SAE's features to 2-D (UMAP of decoder directions) and store the coordinates (resumable: rerun to continue).")
        {
            model, sae, seed, neighbors, minDist, epochs, checkpoints, json, db,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var umap = new UmapOptions { Seed = parse.GetValue(seed), NNeighbors = parse.GetValue(neighbors), MinDist = parse.GetValue(minDist), NEpochs = parse.GetValue(epochs) };
            try
            {
                umap.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new UsageException(e.Message.Split(" (Parameter")[0]);
            }
            var options = new UmapJobOptions { Model = parse.GetValue(model)!, Sae = parse.GetValue(sae)!, Umap = umap, CheckpointDirectory = parse.GetValue(checkpoints)! };
            using var stop = StopSignal.Register(cancellationToken);
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, stop.Token);
            try
            {
                var result = await ProgressDisplay.RunAsync("umap", progress => UmapJob.RunAsync(options, store, store, progress, stop.Token));
                if (parse.GetValue(json))
                {
                    Console.WriteLine(new JsonObject { ["model"] = options.Model, ["sae"] = options.Sae, ["features"] = result.Points, ["initialization"] = result.Initialization, ["seed"] = umap.Seed }.ToJsonString());
                }
                else
                {
                    AnsiConsole.MarkupLine($"Mapped [bold]{result.Points:N0}[/] features of {Markup.Escape(options.Sae)} ({Markup.Escape(result.Initialization)} start).");
                }
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("Stopped. The progress is checkpointed: run the same command again to continue.");
                return ExitCodes.Cancelled;
            }
        });
        return command;
    }
}
