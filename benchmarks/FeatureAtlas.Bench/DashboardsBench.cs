using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Hooks;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data;
using Spectre.Console;
using FeatureAtlas.Cli.Commands;

namespace FeatureAtlas.Bench;

/// <summary>
/// <c>dashboards</c>: the dashboard pipeline's total time (forward passes, SAE encodes, accumulation,
/// logit tables, building and storing in SQLite) as a ratio to the same forward + encode alone, measured in the
/// same run on the same windows; peak memory; and the stored size per SAE.
/// </summary>
internal static class DashboardsBench
{
    public static Command Create()
    {
        var model = CliOptions.Model();
        var sae = new Option<string>("--sae") { Description = "The SAE folder.", Required = true };
        var tokens = new Option<int>("--tokens") { Description = "Tokens to process (random windows of 128 with BOS first).", DefaultValueFactory = _ => 102_400 };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 8, Description = "Windows per forward pass." };
        var json = CliOptions.Json();
        var command = new Command("dashboards", "Dashboard pipeline time vs forward + encode alone, peak memory, storage per SAE.") { model, sae, tokens, batch, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            const int length = 128;
            var windows = Math.Max(1, parse.GetValue(tokens) / length);
            var batchWindows = parse.GetValue(batch);
            var saeDir = parse.GetValue(sae)!;
            var probe = SparseAutoencoder.Load(saeDir);
            var network = Gpt2Model.Load(parse.GetValue(model)!, WeightProcessing.FromPretrainedKwargs(probe.Config.ModelFromPretrainedKwargs));
            var random = new Random(0);
            var corpus = Enumerable.Range(0, windows).Select(_ =>
            {
                var w = new int[length];
                w[0] = 50256;
                for (var t = 1; t < length; t++) w[t] = random.Next(network.Config.Vocab);
                return w;
            }).ToArray();
            int[] Tokens(int first, int count) => corpus.Skip(first).Take(count).SelectMany(w => w).ToArray();

            // Reference: the same forward passes (to the SAE's hook) and SAE encodes, nothing else.
            var features = new float[batchWindows * length * probe.DSae];
            var watch = Stopwatch.StartNew();
            for (var first = 0; first < windows; first += batchWindows)
            {
                var count = Math.Min(batchWindows, windows - first);
                var output = network.Run(Tokens(first, count), count, RunOptions.CacheOnly(probe.HookName));
                probe.Encode(output.Cache[probe.HookName].Data, count * length, features);
            }
            var reference = watch.Elapsed.TotalSeconds;

            watch.Restart();
            var builder = new DashboardBuilder(network, [SparseAutoencoder.Load(saeDir)], new DashboardOptions());
            for (var first = 0; first < windows; first += batchWindows)
            {
                var count = Math.Min(batchWindows, windows - first);
                builder.Add(Tokens(first, count), Enumerable.Range(first, count).ToArray(), length);
            }
            var accumulate = watch.Elapsed.TotalSeconds;
            var result = builder.Build()[0];
            var build = watch.Elapsed.TotalSeconds - accumulate;

            var dbPath = Path.Combine(Path.GetTempPath(), $"atlas-bench-{Environment.ProcessId}.db");
            try
            {
                var store = await AtlasDatabase.OpenAsync(dbPath, cancellationToken);
                await store.Corpora.AddCorpusAsync("bench", "random", length, corpus, replace: true, cancellationToken);
                var emptySize = new FileInfo(dbPath).Length;
                var c = network.Config;
                await store.Models.UpsertModelAsync(new ModelRecord(network.Name, null, "{}", c.Layers, c.DModel, c.Vocab), cancellationToken);
                await store.Models.UpsertSaeAsync(new SaeRecord(network.Name, probe.Name, null, probe.HookName, probe.Config.Layer, probe.DIn, probe.DSae, "bench", "{}"), cancellationToken);
                var beforeSave = watch.Elapsed.TotalSeconds;
                await store.Dashboards.SaveDashboardsAsync(network.Name, probe.Name, "bench", builder.Options, result, cancellationToken);
                var save = watch.Elapsed.TotalSeconds - beforeSave;
                var total = accumulate + build + save;
                var report = new JsonObject
                {
                    ["tokens"] = windows * length,
                    ["d_sae"] = probe.DSae,
                    ["reference_forward_encode_seconds"] = reference,
                    ["pipeline_seconds"] = total,
                    ["accumulate_seconds"] = accumulate,
                    ["build_seconds"] = build,
                    ["store_seconds"] = save,
                    ["ratio_to_forward_encode"] = total / reference,
                    ["peak_working_set_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 / 1e6,
                    ["stored_mb_per_sae"] = (SqliteSize(dbPath) - emptySize) / 1e6,
                    ["dead_features"] = result.DeadFeatures,
                };
                if (parse.GetValue(json)) Console.WriteLine(report.ToJsonString());
                else foreach (var (key, value) in report) AnsiConsole.MarkupLine($"{Markup.Escape(key)}: {Markup.Escape(value?.ToJsonString() ?? "")}");
            }
            finally
            {
                foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(dbPath + suffix);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static long SqliteSize(string path) => new[] { "", "-wal" }.Sum(suffix => File.Exists(path + suffix) ? new FileInfo(path + suffix).Length : 0);
}
