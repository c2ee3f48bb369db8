using System.CommandLine;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data;
using FeatureAtlas.Jobs;
using FeatureAtlas.Jobs.Queue;
using Spectre.Console;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas sae add --model M --sae DIR [--build --corpus C [--tokens N] [--enqueue]]</c>: what the site's SAE upload
/// does, from the command line. The SAELens folder is checked against the model (<see cref="SaeUploadCheck"/>: hook,
/// d_in, dtype, shapes, finite weights) and joins the model's SAEs; with <c>--build</c> the chain of jobs follows
/// (dashboards over the corpus, explanations, map), here or, with <c>--enqueue</c>, on workers.
/// Exit codes: 0 added (and built); 1 the SAE was refused or a step failed; 2 bad usage.
/// </summary>
internal static class SaeCommand
{
    public static Command Create()
    {
        var sae = new Command("sae", "Manage a model's SAEs.");
        sae.Subcommands.Add(Add());
        return sae;
    }

    private static Command Add()
    {
        var model = CliOptions.Model("The model folder (config.json + model.safetensors) the SAE reads.");
        var name = new Option<string?>("--name") { Description = "The model's name in the store (default: its folder name)." };
        var folder = new Option<string>("--sae") { Description = "The SAELens folder: cfg.json + sae_weights.safetensors. Its folder name is the SAE's name.", Required = true };
        var build = new Option<bool>("--build") { Description = "Then build its dashboards over --corpus, its explanations and its map." };
        var corpus = new Option<string?>("--corpus") { Description = "With --build: a stored corpus (atlas corpus add)." };
        var tokens = new Option<long>("--tokens") { Description = "With --build: corpus tokens for the dashboards.", DefaultValueFactory = _ => 100_000 };
        var checkpoints = new Option<string>("--checkpoint-dir") { Description = "Where the chain's checkpoints live.", DefaultValueFactory = _ => Path.Combine(".atlas", "checkpoints") };
        var set = new SourceSetOptions();
        var enqueue = JobsCli.EnqueueOption();
        var db = StoreOptions.Db();
        var command = new Command("add", "Check an SAELens SAE against a model and add it to the store; --build also builds its dashboards, explanations and map.")
        {
            model, name, folder, set.Set, set.Description, build, corpus, tokens, checkpoints, enqueue, db,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var modelDir = Path.GetFullPath(parse.GetValue(model)!);
            var saeDir = Path.GetFullPath(parse.GetValue(folder)!);
            var corpusName = parse.GetValue(corpus);
            if (parse.GetValue(build) && corpusName is null) throw new UsageException("--build needs --corpus: the stored corpus the dashboards are built over.");
            if (!parse.GetValue(build) && (corpusName is not null || parse.GetValue(enqueue))) throw new UsageException("--corpus and --enqueue go with --build.");
            var (setName, setText) = set.Read(parse);
            var configPath = Path.Combine(modelDir, "config.json");
            if (!File.Exists(configPath)) throw new UsageException($"--model: '{modelDir}' has no config.json.");
            if (!Directory.Exists(saeDir)) throw new UsageException($"--sae: folder '{saeDir}' does not exist.");
            var config = Gpt2Config.Load(configPath);
            SparseAutoencoder checkedSae;
            try
            {
                checkedSae = SaeUploadCheck.Check(saeDir, config);
            }
            catch (InvalidDataException e)
            {
                Console.Error.WriteLine($"error: {saeDir}: {e.Message}");
                return ExitCodes.BadInput;
            }
            using var stop = StopSignal.Register(cancellationToken);
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, stop.Token);
            var modelName = parse.GetValue(name) ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(modelDir));
            if (parse.GetValue(build) && await store.Corpora.GetCorpusAsync(corpusName!, stop.Token) is null)
            {
                throw new UsageException($"--corpus: '{corpusName}' is not stored; add it with `atlas corpus add`.");
            }
            await store.Models.UpsertModelAsync(new ModelRecord(modelName, modelDir, File.ReadAllText(configPath), config.Layers, config.DModel, config.Vocab), stop.Token);
            if (setName is not null && setText is { } description) await store.Models.UpsertSourceSetAsync(modelName, setName, description, stop.Token);
            await store.Models.UpsertSaeAsync(SaeRecord.Of(modelName, checkedSae, saeDir, setName), stop.Token);
            AnsiConsole.MarkupLine($"Added [bold]{Markup.Escape(checkedSae.Name)}[/] ({checkedSae.DIn} → {checkedSae.DSae:N0}, {Markup.Escape(checkedSae.HookName)}) to {Markup.Escape(modelName)}.");
            if (!parse.GetValue(build)) return ExitCodes.Success;

            var options = new SaeBuildJobOptions
            {
                Sae = checkedSae.Name,
                CheckpointDirectory = Path.GetFullPath(Path.Combine(parse.GetValue(checkpoints)!, "sae-build", modelName, checkedSae.Name)),
                Dashboards = new DashboardJobOptions
                {
                    ModelDirectory = modelDir, SaeDirectories = [saeDir], Corpus = corpusName!, Tokens = parse.GetValue(tokens), ModelName = modelName, CheckpointDirectory = "",
                    SetName = setName,
                },
            };
            var title = $"dashboards, explanations and map of {checkedSae.Name} ({modelName})";
            var subject = SaeBuildJobOptions.SubjectOf(modelName, checkedSae.Name);
            if (parse.GetValue(enqueue))
            {
                var job = await WholeJobs.EnqueueAsync(WholeJobs.SaeBuild, options, null, title, store.Jobs, JobsCli.QueueClient(store), stop.Token, subject);
                JobsCli.ReportEnqueued(store, job.Id);
                return ExitCodes.Success;
            }
            await ProgressDisplay.RunAsync("sae", progress => JobsCli.RunLocalAsync(store, WholeJobs.SaeBuild, title, options,
                async (p, ct) =>
                {
                    await SaeBuildJob.RunAsync(options, store.Corpora, store.Models, store.Dashboards, store.Explanations, store.Umaps, p, ct);
                    return true;
                }, progress, stop.Token));
            AnsiConsole.MarkupLine($"Built the dashboards, explanations and map of [bold]{Markup.Escape(checkedSae.Name)}[/].");
            return ExitCodes.Success;
        });
        return command;
    }
}
