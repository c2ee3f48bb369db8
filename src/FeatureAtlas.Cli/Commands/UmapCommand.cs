using System.CommandLine;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Umap;
using FeatureAtlas.Data;
using FeatureAtlas.Jobs;
using FeatureAtlas.Jobs.Queue;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas umap --model M --sae S [--seed 0]</c>: the SAE's feature map (UMAP of its decoder directions) into the
/// store; <c>--sae A --sae B … [--name N]</c>: one joint map of several SAEs of the model (same d_in), their
/// features embedded together so positions compare across SAEs. A resumable job: Ctrl+C checkpoints, and the
/// same command continues.
/// </summary>
internal static class UmapCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model's name in the store.", Required = true };
        var sae = new Option<string[]>("--sae")
        {
            Description = "An SAE's name in the store (its weights folder must be on this machine); twice or more for one joint map of those SAEs.",
            Required = true,
        };
        var name = new Option<string?>("--name") { Description = "The joint map's name (default: the SAE names joined by '+'); a map of that name is replaced." };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 0, Description = "UMAP seed; the map is the same for a seed on any thread count." };
        var neighbors = new Option<int>("--neighbors") { DefaultValueFactory = _ => 15, Description = "n_neighbors (self included, as umap-learn)." };
        var minDist = new Option<float>("--min-dist") { DefaultValueFactory = _ => 0.1f, Description = "min_dist." };
        var epochs = new Option<int?>("--epochs") { Description = "n_epochs (default: 200 above 10,000 features, else 500)." };
        var checkpoints = new Option<string>("--checkpoint-dir") { Description = "Where the checkpoint lives.", DefaultValueFactory = _ => Path.Combine(".atlas", "checkpoints") };
        var json = CliOptions.Json();
        var enqueue = JobsCli.EnqueueOption();
        var db = StoreOptions.Db();
        var command = new Command("umap", "Map SAE features to 2-D (UMAP of decoder directions) and store the coordinates: each SAE's own map, or with --sae twice or more one joint map of those SAEs (resumable: rerun to continue).")
        {
            model, sae, name, seed, neighbors, minDist, epochs, checkpoints, json, enqueue, db,
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
            var saes = parse.GetValue(sae)!;
            var mapName = parse.GetValue(name);
            if (saes.Length < 2 && mapName is not null) throw new UsageException("--name names a joint map: give --sae twice or more.");
            using var stop = StopSignal.Register(cancellationToken);
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, stop.Token);
            if (parse.GetValue(enqueue))
            {
                var folder = Path.GetFullPath(parse.GetValue(checkpoints)!);
                return saes.Length == 1
                    ? await JobsCli.EnqueueWholeAsync(store, WholeJobs.Umap, new UmapJobOptions { Model = parse.GetValue(model)!, Sae = saes[0], Umap = umap, CheckpointDirectory = folder },
                        $"map of {parse.GetValue(model)}/{saes[0]}", stop.Token)
                    : await JobsCli.EnqueueWholeAsync(store, WholeJobs.JointUmap, new JointUmapJobOptions { Model = parse.GetValue(model)!, Saes = saes, Name = mapName, Umap = umap, CheckpointDirectory = folder },
                        $"joint map of {parse.GetValue(model)}", stop.Token);
            }
            try
            {
                JsonObject report;
                if (saes.Length == 1)
                {
                    var options = new UmapJobOptions { Model = parse.GetValue(model)!, Sae = saes[0], Umap = umap, CheckpointDirectory = parse.GetValue(checkpoints)! };
                    var result = await ProgressDisplay.RunAsync("umap", progress => JobsCli.RunLocalAsync(store, "umap", $"map of {options.Model}/{options.Sae}", options,
                        (p, ct) => UmapJob.RunAsync(options, store.Models, store.Umaps, p, ct), progress, stop.Token));
                    report = new JsonObject { ["model"] = options.Model, ["sae"] = options.Sae, ["features"] = result.Points, ["initialization"] = result.Initialization, ["seed"] = umap.Seed };
                    if (!parse.GetValue(json)) AnsiConsole.MarkupLine($"Mapped [bold]{result.Points:N0}[/] features of {Markup.Escape(options.Sae)} ({Markup.Escape(result.Initialization)} start).");
                }
                else
                {
                    var options = new JointUmapJobOptions { Model = parse.GetValue(model)!, Saes = saes, Name = mapName, Umap = umap, CheckpointDirectory = parse.GetValue(checkpoints)! };
                    var result = await ProgressDisplay.RunAsync("umap", progress => JobsCli.RunLocalAsync(store, "joint-umap", $"joint map {options.MapName} of {options.Model}", options,
                        (p, ct) => JointUmapJob.RunAsync(options, store.Models, store.Umaps, p, ct), progress, stop.Token));
                    report = new JsonObject
                    {
                        ["model"] = options.Model, ["map"] = options.MapName, ["saes"] = new JsonArray(saes.Select(s => JsonValue.Create(s)).ToArray<JsonNode?>()),
                        ["features"] = result.Points, ["initialization"] = result.Initialization, ["seed"] = umap.Seed,
                    };
                    if (!parse.GetValue(json))
                    {
                        AnsiConsole.MarkupLine($"Mapped [bold]{result.Points:N0}[/] features of {Markup.Escape(string.Join(", ", saes))} together as joint map [bold]{Markup.Escape(options.MapName)}[/] ({Markup.Escape(result.Initialization)} start).");
                    }
                }
                if (parse.GetValue(json)) Console.WriteLine(report.ToJsonString());
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine(JobsCli.StoppedMessage);
                return ExitCodes.Cancelled;
            }
        });
        return command;
    }
}
