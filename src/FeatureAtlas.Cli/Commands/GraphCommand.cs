using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FeatureAtlas.Core.Graphs;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Tokenization;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Core.Transcoders;
using FeatureAtlas.Data;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Jobs;

namespace FeatureAtlas.Cli.Commands;

/// <summary>
/// <c>atlas graph</c>: the attribution graph of one prompt (circuit-tracer's method on GPT-2 with one transcoder per
/// MLP), pruned as circuit-tracer prunes unless <c>--no-prune</c>, written as the graph JSON Neuronpedia's viewer reads.
/// The file appears only when the whole graph is written (temp file, then rename); on any error nothing is written.
/// </summary>
internal static class GraphCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model("A Hugging Face GPT-2 folder, or the name of a model in the store (--db).");
        var transcoders = new Option<string[]>("--transcoders")
        {
            Description = "Transcoder folders (SAELens format: cfg.json with hook_name blocks.L.ln2.hook_normalized and hook_name_out blocks.L.hook_mlp_out, sae_weights.safetensors) or stored names, one per block.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var prompt = CircuitsCli.Text("--prompt", "The prompt");
        var tokenIds = CircuitsCli.Ids("--token-ids", "The prompt");
        var nodeThreshold = new Option<double>("--node-threshold") { Description = "Keep the most influential nodes up to this share of total influence.", DefaultValueFactory = _ => 0.8 };
        var edgeThreshold = new Option<double>("--edge-threshold") { Description = "Keep the most influential edges up to this share.", DefaultValueFactory = _ => 0.98 };
        var maxFeatureNodes = new Option<int>("--max-feature-nodes") { Description = $"Feature nodes visited, by influence (at most {GraphOptions.MaxFeatureNodesLimit}).", DefaultValueFactory = _ => GraphOptions.MaxFeatureNodesLimit };
        var maxLogits = new Option<int>("--max-logits") { Description = "At most this many logit nodes.", DefaultValueFactory = _ => 10 };
        var desiredProb = new Option<double>("--desired-logit-prob") { Description = "Logit nodes until their cumulative probability reaches this.", DefaultValueFactory = _ => 0.95 };
        var batchSize = new Option<int>("--batch-size") { Description = "Targets per backward pass.", DefaultValueFactory = _ => 64 };
        var noPrune = new Option<bool>("--no-prune") { Description = "Write every node and non-zero edge computed." };
        var slug = new Option<string?>("--slug") { Description = "The graph's slug in the file and the store (default: the output file name)." };
        var save = new Option<bool>("--save") { Description = "Also store the graph in the store (--db) under the model and slug, clerps from the features' explanations; the site shows it at /{model}/graph/{slug}." };
        var output = new Option<string>("--out") { Description = "The graph JSON file to write.", Required = true };
        var processing = CliOptions.Processing();
        var db = GenerationCli.Db();

        var command = new Command("graph", "Attribution graph of a prompt through transcoders (circuit-tracer's method), as Neuronpedia graph JSON.")
        {
            model, transcoders, prompt, tokenIds, nodeThreshold, edgeThreshold, maxFeatureNodes, maxLogits, desiredProb, batchSize, noPrune, slug, save, output, processing, db,
        };
        command.Validators.Add(result => CircuitsCli.RequireOne(result, prompt, tokenIds));
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = Path.GetFullPath(parse.GetValue(output)!);
            var folder = Path.GetDirectoryName(path)!;
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"--out: folder '{folder}' does not exist.");
            var node = parse.GetValue(nodeThreshold);
            var edge = parse.GetValue(edgeThreshold);
            if (!(node is >= 0 and <= 1)) throw new UsageException($"--node-threshold must be in [0, 1], found {node.ToString(CultureInfo.InvariantCulture)}.");
            if (!(edge is >= 0 and <= 1)) throw new UsageException($"--edge-threshold must be in [0, 1], found {edge.ToString(CultureInfo.InvariantCulture)}.");
            var options = new GraphOptions
            {
                MaxFeatureNodes = parse.GetValue(maxFeatureNodes),
                MaxLogits = parse.GetValue(maxLogits),
                DesiredLogitProbability = parse.GetValue(desiredProb),
                BatchSize = parse.GetValue(batchSize),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new UsageException(e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal));
            }

            var (directory, modelName) = await GenerationCli.ResolveModelAsync(parse.GetValue(model)!, parse.GetValue(db)!, cancellationToken);
            var slugName = parse.GetValue(slug) ?? Path.GetFileNameWithoutExtension(path);
            AtlasStores? store = null;
            if (parse.GetValue(save))
            {
                // Checked before the work: a graph that cannot be stored is not built.
                try
                {
                    GraphSlug.Check(slugName, parse.GetValue(slug) is null ? "--slug (default: the --out file name)" : "--slug");
                }
                catch (ArgumentException e)
                {
                    throw new UsageException(e.Message);
                }
                store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, cancellationToken);
                if (await store.Models.GetModelAsync(modelName, cancellationToken) is null) throw new KeyNotFoundException($"--save: model '{modelName}' is not in the store; add it (atlas init-model) or pass its stored name to --model.");
                if (await store.Graphs.GetGraphAsync(modelName, slugName, cancellationToken) is not null) throw new GraphSlugTakenException(modelName, slugName);
            }
            var loaded = new List<Transcoder>();
            foreach (var t in parse.GetValue(transcoders)!)
            {
                var tcFolder = Directory.Exists(t) ? t : await ResolveStored(t, modelName, parse.GetValue(db)!, cancellationToken);
                loaded.Add(Transcoder.Load(tcFolder));
            }
            var gpt2 = Gpt2Model.Load(directory, CliOptions.ParseProcessing(parse.GetValue(processing)) ?? WeightProcessing.Raw);
            GraphBuilder.Arrange(gpt2.Config, loaded);
            var tokenizer = Gpt2Tokenizer.Load(directory);
            var ids = CircuitsCli.Tokens(parse, prompt, tokenIds, tokenizer);
            if (ids.Length > GraphOptions.MaxPromptTokens) throw new ArgumentException($"The prompt has {ids.Length} tokens; attribution graphs allow at most {GraphOptions.MaxPromptTokens}.");

            var watch = Stopwatch.StartNew();
            var checkpoint = GraphCheckpointFile.For(GraphJob.DefaultCheckpoints, gpt2, loaded, ids, options, TimeSpan.FromSeconds(30));
            var graph = await ProgressDisplay.RunAsync("graph", progress => Task.Run(() => GraphBuilder.Build(gpt2, loaded, ids, options,
                GraphJob.BackwardPasses(progress), checkpoint, cancellationToken), cancellationToken));
            checkpoint.Delete();
            var pruned = !parse.GetValue(noPrune);
            var result = pruned ? GraphPruning.Prune(graph, node, edge) : GraphPruning.KeepAll(graph);
            var info = new GraphJsonInfo
            {
                Slug = slugName,
                Scan = modelName,
                TranscoderList = loaded.Select(t => t.Name).ToArray(),
                PromptTokens = CircuitsCli.TokenStrings(tokenizer, ids),
                Prompt = parse.GetValue(prompt) ?? GenerationCli.Text(tokenizer, ids),
                LogitTokens = CircuitsCli.TokenStrings(tokenizer, graph.Logits.Select(l => l.Token).ToArray()),
                NodeThreshold = node,
                EdgeThreshold = edge,
                Pruned = pruned,
                Generation = options,
                GeneratorVersion = typeof(GraphCommand).Assembly.GetName().Version?.ToString() ?? "1",
                CreateTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            };
            var temporary = path + ".tmp";
            try
            {
                using (var stream = File.Create(temporary))
                {
                    GraphJson.Write(stream, graph, result, info);
                    stream.Flush(flushToDisk: true);
                }
                File.Move(temporary, path, overwrite: true);
            }
            finally
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
            var stored = "";
            if (store is not null)
            {
                var document = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllBytes(path))!.AsObject();
                var record = await StoredGraphs.SaveAsync(document, modelName, slugName, null, "cli", store.Models, store.Graphs, store.Explanations, cancellationToken);
                stored = $"; stored as {record.Model}/graph/{record.Slug}";
            }
            var kept = result.NodeMask.Count(k => k);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"graph: {ids.Length} tokens, {graph.FeatureNodes} of {graph.ActiveFeatures.Count} active features visited, {graph.Logits.Count} logits; {kept} of {graph.NodeCount} nodes kept{(pruned ? "" : " (unpruned)")} -> {path}{stored} ({watch.Elapsed.TotalSeconds:F1} s)"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<string> ResolveStored(string name, string modelName, string db, CancellationToken cancellationToken)
    {
        try
        {
            return await GenerationCli.ResolveSaeAsync(name, modelName, db, cancellationToken);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new DirectoryNotFoundException(e.Message.Replace("--sae:", "--transcoders:", StringComparison.Ordinal), e);
        }
    }
}
